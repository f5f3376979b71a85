import { describe, it } from "vitest";
import { describeBatchConformance } from "../conformance/batch-conformance.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) {
  describeBatchConformance(factory);
} else {
  describe.skip("PostgreSQL batch handlers", () => it("needs a reachable PostgreSQL"));
}
