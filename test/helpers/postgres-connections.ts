import pg from "pg";
import { afterEach } from "vitest";
import { parsePostgresUrl } from "../../src/store/postgres/connection-url.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";

/**
 * Stores and plain connections for a PostgreSQL test file, each closed after the test that
 * opened it. Call once per describe block.
 */
export function postgresConnections() {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((f) => f()));
  });
  return {
    /** Runs `cleanup` after the current test, with the others. */
    onCleanup: (cleanup: () => Promise<unknown>) => void cleanups.push(cleanup),
    open: async (url: string) => {
      const store = await PostgresStore.open(parsePostgresUrl(url));
      cleanups.push(() => store.close());
      return store;
    },
    /** A connection of the test's own (faults, locks, transactions), without the store's application_name. */
    client: async (url: string) => {
      const c = new pg.Client({ connectionString: parsePostgresUrl(url).connectionString });
      await c.connect();
      cleanups.push(() => c.end());
      return c;
    },
  };
}
