import { describe, expect, it } from "vitest";
import { Errand } from "../../src/errand.js";
import { SchemaBehindError, SchemaTooNewError } from "../../src/core/errors.js";
import type { SchemaFixtures } from "../helpers/schema-at-version.js";
import type { StoreFactory } from "../helpers/store-factory.js";
import { waitFor } from "../helpers/wait-for.js";

/**
 * Migrating explicitly (Errand.migrate, `errand migrate`) and connecting without migrating
 * (`migrate: false`), as a deploy that runs migrations in one step would; each backend runs this.
 */
export function describeMigrationConformance(factory: StoreFactory, fixtures: SchemaFixtures, migrationNames: string[]): void {
  const newest = migrationNames.length;

  describe(`Migrations: ${factory.name}`, () => {
    it("reports what it applied: every migration on a new database, nothing on a second run", async () => {
      const url = await factory.url();
      expect(await Errand.migrate(url)).toEqual({ from: 0, to: newest, applied: migrationNames });
      expect(await Errand.migrate(url)).toEqual({ from: newest, to: newest, applied: [] });
    });

    it("with migrate: false, refuses a database without a schema and leaves nothing behind", async () => {
      const url = await factory.url();
      const refused = Errand.connect(url, { migrate: false });
      await expect(refused).rejects.toBeInstanceOf(SchemaBehindError);
      await expect(refused).rejects.toThrow(`no Errand schema yet (this Errand needs version ${newest}); run \`errand migrate\``);
      expect(await fixtures.exists(url)).toBe(false);
    });

    it("with migrate: false, refuses a schema an older Errand left; once migrated, connects and works", async () => {
      const url = await factory.url();
      await fixtures.migrateTo(url, newest - 1);
      await expect(Errand.connect(url, { migrate: false })).rejects.toThrow(
        `schema is at version ${newest - 1}, but this Errand needs version ${newest}`,
      );
      expect(await Errand.migrate(url)).toEqual({ from: newest - 1, to: newest, applied: [migrationNames.at(-1)] });
      const errand = await Errand.connect(url, { migrate: false });
      try {
        const echo = errand.define("echo", { handler: async (p: { n: number }) => p.n });
        errand.work({ concurrency: 1, pollIntervalMs: 50 });
        const { id } = await echo.enqueue({ n: 7 });
        expect(await waitFor(async () => ((await errand.getJob(id))?.state === "completed" ? errand.getJob(id) : null))).toMatchObject({ result: 7 });
      } finally {
        await errand.close();
      }
    });

    it("counts the jobs an Errand from before ended-job tallies left, ended ones included, once migrated", async () => {
      const url = await factory.url();
      // Jobs inserted ended, as no Errand does, are tallied only by the migration that adds tallies.
      const tallies = migrationNames.findIndex((name) => name.endsWith("_ended_tallies")) + 1;
      expect(tallies).toBeGreaterThan(0);
      await fixtures.migrateTo(url, tallies - 1);
      await fixtures.insertJobs(url, [
        { queue: "a", state: "completed", count: 30 },
        { queue: "a", state: "failed", count: 2 },
        { queue: "b", state: "canceled", count: 1 },
        { queue: "b", state: "pending", count: 4 },
      ]);
      const store = await factory.open(url);
      try {
        expect((await store.countJobs({})).map(({ queue, counts }) => [queue, counts])).toEqual([
          ["a", expect.objectContaining({ completed: 30, failed: 2, canceled: 0, pending: 0 })],
          ["b", expect.objectContaining({ completed: 0, canceled: 1, pending: 4 })],
        ]);
      } finally {
        await store.close();
      }
    });

    it("refuses a schema a newer Errand migrated, whether or not it may migrate, and changes nothing", async () => {
      const url = await factory.url();
      await fixtures.migrateTo(url, newest);
      await fixtures.record(url, 999, "999_future");
      const tooNew = `schema is at version 999, but this Errand knows only up to ${newest}; upgrade Errand`;
      for (const start of [() => Errand.connect(url, { migrate: false }), () => Errand.connect(url), () => Errand.migrate(url)]) {
        const attempt = start();
        await expect(attempt).rejects.toBeInstanceOf(SchemaTooNewError);
        await expect(attempt).rejects.toThrow(tooNew);
      }
      expect(await fixtures.versions(url)).toEqual([...migrationNames.map((_, i) => i + 1), 999]);
    });
  });
}
