import { describe, it } from "vitest";
import { describeFlowBatchRuntimeConformance } from "../conformance/flow-batch-runtime-conformance.js";
import { describeFlowBatchStoreConformance } from "../conformance/flow-batch-store-conformance.js";
import { describeServerFlowRoutes } from "../conformance/server-flow-routes.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) {
  describeFlowBatchStoreConformance(factory);
  describeFlowBatchRuntimeConformance(factory);
  describeServerFlowRoutes(factory);
} else {
  describe.skip("PostgreSQL flows and batches", () => it("needs a reachable PostgreSQL"));
}
