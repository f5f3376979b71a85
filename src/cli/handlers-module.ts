import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { Errand } from "../errand.js";

/**
 * A handlers module defines job types with the library's own API:
 *
 *   export default function register(errand) {
 *     errand.define("send-email", { handler: async (payload, ctx) => { ... } });
 *   }
 */
export async function loadHandlers(errand: Errand, path: string): Promise<void> {
  const url = pathToFileURL(resolve(path)).href;
  const module = (await import(url)) as { default?: unknown; register?: unknown };
  const register = module.default ?? module.register;
  if (typeof register !== "function") {
    throw new Error(`${path} must export a function (default or "register") that takes the Errand instance and defines job types`);
  }
  await (register as (errand: Errand) => unknown)(errand);
}
