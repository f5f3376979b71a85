import { describe, it } from "vitest";
import { describeDashboard } from "../conformance/dashboard.js";
import { browserTestsCanRun } from "../helpers/browser.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

if (browserTestsCanRun()) describeDashboard(sqliteFactory());
else describe.skip("dashboard on SQLite", () => it("needs Chromium at /usr/bin/chromium"));
