import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { POSTGRES_URL, adminQuery } from "./postgres-factory.js";
import { waitFor } from "./wait-for.js";

const run = promisify(execFile);

/** Stops and starts the local PostgreSQL server the tests use (a Debian/Ubuntu cluster). */
export interface PostgresServerControl {
  /** e.g. "15/main" */
  readonly cluster: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Starts the server if it is down and waits until it answers; safe to call any time. */
  ensureUp(): Promise<void>;
}

/**
 * Control of the server at POSTGRES_URL, or null when this process may not restart it: it
 * needs pg_ctlcluster, root (which runs it as the cluster's owner) and a local cluster on the
 * URL's port. Callers then fall back to terminating backends.
 */
export async function postgresServerControl(): Promise<PostgresServerControl | null> {
  const url = new URL(POSTGRES_URL);
  const local = ["localhost", "127.0.0.1", "::1", "[::1]"].includes(url.hostname);
  if (!local || process.getuid?.() !== 0 || !existsSync("/usr/bin/pg_ctlcluster")) return null;
  const port = url.port || "5432";
  // pg_lsclusters -h: "<version> <name> <port> <status> <owner> <data dir> <log file>"
  const { stdout } = await run("pg_lsclusters", ["-h"]).catch(() => ({ stdout: "" }));
  const line = stdout.split("\n").map((l) => l.trim().split(/\s+/)).find((f) => f[2] === port);
  if (!line) return null;
  const [version, name] = line as [string, string];
  const ctl = (action: string, ...extra: string[]) =>
    run("pg_ctlcluster", ["--skip-systemctl-redirect", version, name, action, ...extra]);
  const answers = () => adminQuery("SELECT 1").then(() => true, () => false);
  const control: PostgresServerControl = {
    cluster: `${version}/${name}`,
    // fast: disconnects every client at once, as a crash or failover would.
    stop: async () => void (await ctl("stop", "-m", "fast")),
    start: async () => {
      await ctl("start");
      await waitFor(answers, { timeoutMs: 30_000, intervalMs: 100, what: "PostgreSQL to accept connections" });
    },
    ensureUp: async () => {
      if (await answers()) return;
      // "already running" is an error to pg_ctlcluster, and fine here.
      await ctl("start").catch(() => {});
      await waitFor(answers, { timeoutMs: 30_000, intervalMs: 100, what: "PostgreSQL to accept connections" });
    },
  };
  return control;
}
