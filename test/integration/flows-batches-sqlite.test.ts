import { describeFlowBatchRuntimeConformance } from "../conformance/flow-batch-runtime-conformance.js";
import { describeFlowBatchStoreConformance } from "../conformance/flow-batch-store-conformance.js";
import { describeServerFlowRoutes } from "../conformance/server-flow-routes.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeFlowBatchStoreConformance(sqliteFactory());
describeFlowBatchRuntimeConformance(sqliteFactory());
describeServerFlowRoutes(sqliteFactory());
