import { describeProcessConformance } from "../conformance/process-conformance.js";
import { describeScheduleProcessConformance } from "../conformance/schedule-process-conformance.js";
import { describeSnoozeZeroConformance } from "../conformance/snooze-zero-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

const factory = sqliteFactory();
describeProcessConformance(factory);
describeScheduleProcessConformance(factory);
describeSnoozeZeroConformance(factory);
