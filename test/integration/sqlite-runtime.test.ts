import { describeRuntimeConformance } from "../conformance/runtime-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeRuntimeConformance(sqliteFactory());
