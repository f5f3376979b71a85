import { describe, it } from "vitest";
import { describeBatchHandlerConformance } from "../conformance/batch-handler-conformance.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) {
  describeBatchHandlerConformance(factory);
} else {
  describe.skip("PostgreSQL batch handlers", () => it("needs a reachable PostgreSQL"));
}
