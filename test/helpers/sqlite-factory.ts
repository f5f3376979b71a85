import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { StoreFactory } from "./store-factory.js";
import { tempDir } from "./temp-dir.js";

export function sqliteFactory(): StoreFactory {
  const dir = tempDir();
  let n = 0;
  return {
    name: "sqlite",
    url: async () => `sqlite:${join(dir, `db-${++n}.sqlite`)}`,
    open: async (url) => SqliteStore.open(url.slice("sqlite:".length)),
  };
}
