import { describeRetentionConformance, describeRetentionRuntime } from "../conformance/retention-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

const factory = sqliteFactory();
describeRetentionConformance(factory);
describeRetentionRuntime(factory);
