import { describeProcessConformance } from "../conformance/process-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeProcessConformance(sqliteFactory());
