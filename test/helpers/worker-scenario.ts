import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Errand } from "../../src/errand.js";
import type { StoreFactory } from "./store-factory.js";

let n = 0;

/**
 * What a test with worker processes (test/fixtures/worker-process.mjs) starts from: a fresh
 * database, an empty file the workers record each handler run in, the env that points them
 * at both, and an Errand in the test process to enqueue and observe with (close it).
 */
export async function workerScenario(factory: StoreFactory, dir: string) {
  const url = await factory.url();
  const recordFile = join(dir, `runs-${++n}.log`);
  writeFileSync(recordFile, "");
  const errand = await Errand.connect(await factory.open(url));
  return {
    url,
    /** The PostgreSQL schema of `url` (null on SQLite). */
    schema: url.startsWith("postgres") ? new URL(url).searchParams.get("schema") : null,
    errand,
    env: (extra: Record<string, string> = {}) => ({ ERRAND_DATABASE_URL: url, RECORD_FILE: recordFile, ...extra }),
    /** Every handler run so far, as [jobId, pid]. */
    runs: () =>
      readFileSync(recordFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(" ") as [string, string]),
  };
}
