// Empty stores for benchmark phases. A `stores` object hands them out: `fresh()` returns a new
// empty store's URL, `drop(url)` removes it. Each phase drops its store as it ends, so that the
// server's work on old rows (writing back dirty pages, autovacuum) does not land in a later phase.
import { rmSync } from "node:fs";
import { join } from "node:path";

/** Runs `fn(url)` on a fresh store, dropped afterwards. */
export async function withFreshStore(stores, fn) {
  const url = await stores.fresh();
  try {
    return await fn(url);
  } finally {
    await stores.drop(url);
  }
}

/** SQLite files in `dir`. */
export function sqliteFiles(dir) {
  let seq = 0;
  return {
    fresh: async () => `sqlite:${join(dir, `bench-${++seq}.db`)}`,
    drop: async (url) => {
      const file = url.slice("sqlite:".length);
      for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
    },
  };
}
