import { describeRetentionConformance } from "../conformance/retention-conformance.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeRetentionConformance(sqliteFactory());
