import { describeLimitsProcessConformance } from "../conformance/limits-process-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeLimitsProcessConformance(sqliteFactory());
