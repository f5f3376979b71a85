import { pathToFileURL } from "node:url";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Errand } from "../errand.js";
import { CliUsageError } from "./run-command.js";

/**
 * A handlers module defines job types with the library's own API:
 *
 *   export default function register(errand) {
 *     errand.define("send-email", { handler: async (payload, ctx) => { ... } });
 *   }
 */
export type RegisterHandlers = (errand: Errand) => Promise<void>;

/**
 * Imports the module and returns its register function, to call once connected. Done before
 * connecting, so that a missing or broken module is reported with no database opened (or, for
 * SQLite, created). Each problem with the module is the caller's input: exit 2 (CliUsageError).
 */
export async function importHandlers(path: string): Promise<RegisterHandlers> {
  if (!existsSync(resolve(path))) throw new CliUsageError(`no handlers module at ${path}`);
  const url = pathToFileURL(resolve(path)).href;
  let module: { default?: unknown; register?: unknown };
  try {
    module = (await import(url)) as typeof module;
  } catch (error) {
    throw new CliUsageError(`could not load the handlers module ${path}: ${loadProblem(error)}`, { cause: error });
  }
  const register = module.default ?? module.register;
  if (typeof register !== "function") {
    throw new CliUsageError(`${path} must export a function (default or "register") that takes the Errand instance and defines job types`);
  }
  return async (errand) => {
    await (register as (errand: Errand) => unknown)(errand);
  };
}

/** What went wrong importing the module, with the fix for the usual mistakes. */
function loadProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // An ES module read as CommonJS: a .js file in a package without "type": "module".
  if (/Unexpected token 'export'|Cannot use import statement outside a module/.test(message))
    return `${message} (it is an ES module: name it .mjs, or set "type": "module" in its package.json)`;
  return message;
}
