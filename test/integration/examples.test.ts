import { execFile } from "node:child_process";
import { userInfo } from "node:os";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { adminQuery, postgresFactory } from "../helpers/postgres-factory.js";

// The README points at these files as runnable: run them as a reader would, from the built package.
const run = promisify(execFile);
const example = (name: string) => new URL(`../../examples/${name}`, import.meta.url).pathname;
const factory = await postgresFactory();

describe("examples/", () => {
  it("flows-and-batches.mjs runs its flow and batch to the end on a throwaway SQLite file", async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "ERRAND_DATABASE_URL"));
    const { stdout } = await run(process.execPath, [example("flows-and-batches.mjs")], { env, timeout: 20_000 });
    const [flow, batch, report] = stdout.trim().split("\n");
    expect(flow).toMatch(/^flow completed \{"told":"ada@example\.com","got":\{/);
    expect(JSON.parse(batch!.replace(/^batch /, ""))).toMatchObject({ total: 20 });
    expect(report).toMatch(/^report \{/);
  });

  (factory ? it : it.skip)("signup-outbox.mjs: the committed signup's job runs and marks its user; the rolled-back one leaves neither user nor job", async () => {
    // The example's own pool is plain pg, which takes the user from $USER when the URL names none (as in a shell).
    const url = new URL(await factory!.url());
    url.username ||= userInfo().username;
    const { stdout } = await run(process.execPath, [example("signup-outbox.mjs"), url.toString()], { timeout: 20_000 });
    expect(stdout.trim().split("\n").filter((line) => !line.startsWith("{"))).toEqual([
      expect.stringMatching(/^ada: committed; welcome job \d+ enqueued in the same transaction$/),
      "bob: rolled back (the signup failed after its insert); users: 0, welcome jobs: 0",
      `ada's job completed: {"welcomed":"ada@example.com"}; marked welcomed: true`,
    ]);
    // It cleans up after itself: its table is gone.
    expect(await adminQuery("SELECT 1 FROM pg_tables WHERE tablename = 'signup_example_users'")).toEqual([]);
  });
});
