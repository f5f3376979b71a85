import { ValidationError } from "../core/errors.js";
import type { Errand } from "../errand.js";

/** Refuses a helper's first argument that is not an Errand (undefined before beforeEach ran, say), naming it. */
export function checkErrandArgument(errand: unknown): asserts errand is Errand {
  if (typeof (errand as Partial<Errand> | null)?.listJobs !== "function") throw new ValidationError("errand", "must be an Errand, as Errand.connect returns it");
}
