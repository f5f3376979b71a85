import { describe, it } from "vitest";
import { describeLimitsRuntimeConformance } from "../conformance/limits-runtime-conformance.js";
import { describeLimitsStoreConformance } from "../conformance/limits-store-conformance.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) {
  describeLimitsStoreConformance(factory);
  describeLimitsRuntimeConformance(factory);
}
else describe.skip("PostgreSQL limits", () => it("needs a reachable PostgreSQL"));
