import { defineConfig } from "vitest/config";

// Tests that disturb shared infrastructure (restarting PostgreSQL) run alone, after the main
// run (see the `test` script), one file at a time, so no other test's connections are cut.
export default defineConfig({
  test: {
    include: ["test/serial/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
