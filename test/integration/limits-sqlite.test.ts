import { describeLimitsRuntimeConformance } from "../conformance/limits-runtime-conformance.js";
import { describeLimitsStoreConformance } from "../conformance/limits-store-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

const factory = sqliteFactory();
describeLimitsStoreConformance(factory);
describeLimitsRuntimeConformance(factory);
