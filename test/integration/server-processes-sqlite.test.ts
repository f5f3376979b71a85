import { describeServerProcesses } from "../conformance/server-processes.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

describeServerProcesses(sqliteFactory());
