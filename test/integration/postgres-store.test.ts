import { describe, it } from "vitest";
import { describeScheduleStoreConformance } from "../conformance/schedule-store-conformance.js";
import { describeStoreConformance } from "../conformance/store-conformance.js";
import { describeRuntimeConformance } from "../conformance/runtime-conformance.js";
import { describeScheduleRuntimeConformance } from "../conformance/schedule-runtime-conformance.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) {
  describeStoreConformance(factory);
  describeRuntimeConformance(factory);
  describeScheduleStoreConformance(factory);
  describeScheduleRuntimeConformance(factory);
} else {
  describe.skip("PostgreSQL store", () => it("needs a reachable PostgreSQL"));
}
