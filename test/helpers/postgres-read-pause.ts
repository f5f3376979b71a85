import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach } from "vitest";
import { parsePostgresUrl } from "../../src/store/postgres/connection-url.js";
import { POSTGRES_URL, adminQuery } from "./postgres-factory.js";
import { waitFor } from "./wait-for.js";

/**
 * Holds a statement in the middle, between its snapshot and its row locks, which no lock can do
 * (a statement takes its snapshot after its table locks, and SKIP LOCKED never waits): a
 * row-level security policy on a test schema's jobs makes a store connected as `role` wait on an
 * advisory lock when it reads one chosen job. Superusers bypass the policy, so the test's own
 * connections and a store opened as the default user run unhindered. Call once per file.
 */
export function postgresReadPause() {
  const role = `errand_pause_${randomBytes(4).toString("hex")}`;
  let created = false;
  // A test that fails while holding must not leave the role's statements waiting.
  const holders = new Set<pg.Client>();
  afterEach(async () => {
    await Promise.all([...holders].map((h) => h.end()));
    holders.clear();
  });
  afterAll(async () => {
    if (!created) return;
    await adminQuery(`DROP OWNED BY "${role}"`);
    await adminQuery(`DROP ROLE "${role}"`);
  });

  return {
    /** `url` as the paused role (a store opened with it must not migrate: the role may only use the schema). */
    async urlAs(url: string): Promise<string> {
      if (!created) {
        await adminQuery(`CREATE ROLE "${role}" LOGIN`);
        created = true;
      }
      const schema = new URL(url).searchParams.get("schema")!;
      await adminQuery(`GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`);
      await adminQuery(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO "${role}"`);
      await adminQuery(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "${schema}" TO "${role}"`);
      const asRole = new URL(url);
      asRole.username = role;
      return asRole.toString();
    },

    /**
     * Until `release()`, every statement of the role that reads job `jobId` waits there. Resolves
     * once one does (`reached`, polled), and returns the release.
     */
    async hold(url: string, jobId: string): Promise<{ reached: () => Promise<void>; release: () => Promise<void> }> {
      const schema = new URL(url).searchParams.get("schema")!;
      const key = randomBytes(4).readUInt32BE() >>> 1;
      const holder = new pg.Client({ connectionString: parsePostgresUrl(POSTGRES_URL).connectionString });
      await holder.connect();
      holders.add(holder);
      await holder.query("SELECT pg_advisory_lock($1)", [key]);
      // Ids are bigint columns; the key and id are spliced as numbers, never text.
      await adminQuery(`
        CREATE OR REPLACE FUNCTION "${schema}".pause_reading(id bigint) RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN
          IF id = ${BigInt(jobId)} THEN PERFORM pg_advisory_xact_lock_shared(${key}); END IF;
          RETURN true;
        END $$`);
      await adminQuery(`DROP POLICY IF EXISTS pause_reading ON "${schema}".jobs`);
      await adminQuery(`CREATE POLICY pause_reading ON "${schema}".jobs USING ("${schema}".pause_reading(id)) WITH CHECK (true)`);
      await adminQuery(`ALTER TABLE "${schema}".jobs ENABLE ROW LEVEL SECURITY`);
      return {
        reached: async () => {
          await waitFor(
            async () =>
              (await adminQuery("SELECT 1 FROM pg_stat_activity WHERE usename = $1 AND wait_event = 'advisory'", [role])).length > 0,
            { what: `a statement of ${role} to read job ${jobId}` },
          );
        },
        release: async () => {
          holders.delete(holder);
          await holder.end(); // ends its session, and the advisory lock with it
        },
      };
    },
  };
}
