import { describeScheduleStoreConformance } from "../conformance/schedule-store-conformance.js";
import { describeStoreConformance } from "../conformance/store-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

const factory = sqliteFactory();
describeStoreConformance(factory);
describeScheduleStoreConformance(factory);
