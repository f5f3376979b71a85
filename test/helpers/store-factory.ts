import type { Store } from "../../src/store/store.js";

/**
 * How a backend's tests get a fresh, empty store. `url()` names a new empty database that
 * child processes can open too; `open(url)` opens it in this process.
 */
export interface StoreFactory {
  name: "sqlite" | "postgres";
  url(): Promise<string>;
  open(url: string): Promise<Store>;
}
