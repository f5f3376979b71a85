import { describeLimitsStoreConformance } from "../conformance/limits-store-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeLimitsStoreConformance(sqliteFactory());
