import { describeRuntimeConformance } from "../conformance/runtime-conformance.js";
import { describeScheduleRuntimeConformance } from "../conformance/schedule-runtime-conformance.js";
import { describeStartOnInsertConformance } from "../conformance/start-on-insert-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

const factory = sqliteFactory();
describeRuntimeConformance(factory);
describeScheduleRuntimeConformance(factory);
describeStartOnInsertConformance(factory);
