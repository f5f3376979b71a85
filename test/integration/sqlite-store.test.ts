import { describeStoreConformance } from "../conformance/store-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeStoreConformance(sqliteFactory());
