import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll } from "vitest";
import { openStore } from "../../src/store/connect.js";
import { parsePostgresUrl } from "../../src/store/postgres/connection-url.js";
import type { StoreFactory } from "./store-factory.js";
import { tcpProxy, type TcpProxy } from "./tcp-proxy.js";

export const POSTGRES_URL = process.env.ERRAND_TEST_POSTGRES_URL ?? "postgres://localhost:5432/test";

/** Runs one statement on the test server with a short-lived connection (setup, teardown, faults). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(POSTGRES_URL).connectionString, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The factory for this test file, or null when PostgreSQL is unreachable and tests should be
 * skipped. Under CI an unreachable server is an error: a skipped backend must not pass a build.
 * Each `url()` names a fresh schema; every schema handed out is dropped after the file.
 */
export async function postgresFactory(): Promise<StoreFactory | null> {
  try {
    await adminQuery("SELECT 1");
  } catch (error) {
    const reason = `PostgreSQL at ${POSTGRES_URL} is unreachable: ${(error as Error).message}`;
    if (process.env.CI) throw new Error(`${reason} (CI is set, so this fails the run)`);
    console.warn(`\n!!!!! SKIPPING POSTGRES TESTS — ${reason} !!!!!\n`);
    return null;
  }
  const schemas: string[] = [];
  const prefix = `t_${randomBytes(4).toString("hex")}`;
  afterAll(async () => {
    for (const schema of schemas) await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  return {
    name: "postgres",
    url: async () => {
      const schema = `${prefix}_${schemas.length + 1}`;
      schemas.push(schema);
      return `${POSTGRES_URL}?schema=${schema}`;
    },
    open: async (url) => openStore(url),
  };
}

/** A fresh schema of `factory`'s, reached through a TCP proxy of its own: cut or freeze the proxy to fail this client only. */
export async function proxiedPostgresUrl(factory: StoreFactory): Promise<{ url: string; proxy: TcpProxy }> {
  const server = new URL(POSTGRES_URL);
  const proxy = await tcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
  const url = new URL(await factory.url());
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  return { url: url.toString(), proxy };
}
