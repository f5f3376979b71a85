import { describeBatchHandlerConformance } from "../conformance/batch-handler-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeBatchHandlerConformance(sqliteFactory());
