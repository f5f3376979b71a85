import { describeBatchConformance } from "../conformance/batch-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeBatchConformance(sqliteFactory());
