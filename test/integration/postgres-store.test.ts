import { describe, it } from "vitest";
import { describeStoreConformance } from "../conformance/store-conformance.js";
import { describeRuntimeConformance } from "../conformance/runtime-conformance.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) {
  describeStoreConformance(factory);
  describeRuntimeConformance(factory);
} else {
  describe.skip("PostgreSQL store", () => it("needs a reachable PostgreSQL"));
}
