import { describeFlowBatchStoreConformance } from "../conformance/flow-batch-store-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeFlowBatchStoreConformance(sqliteFactory());
