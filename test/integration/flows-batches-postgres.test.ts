import { describe, it } from "vitest";
import { describeFlowBatchProcessConformance } from "../conformance/flow-batch-process-conformance.js";
import { describeFlowBatchRuntimeConformance } from "../conformance/flow-batch-runtime-conformance.js";
import { describeFlowBatchStoreConformance } from "../conformance/flow-batch-store-conformance.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) {
  describeFlowBatchStoreConformance(factory);
  describeFlowBatchRuntimeConformance(factory);
  describeFlowBatchProcessConformance(factory);
} else {
  describe.skip("PostgreSQL flows and batches", () => it("needs a reachable PostgreSQL"));
}
