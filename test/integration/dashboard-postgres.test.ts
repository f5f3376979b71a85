import { describe, it } from "vitest";
import { describeDashboard } from "../conformance/dashboard.js";
import { browserTestsCanRun } from "../helpers/browser.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = browserTestsCanRun() ? await postgresFactory() : null;

if (factory) describeDashboard(factory);
else describe.skip("dashboard on PostgreSQL", () => it("needs Chromium at /usr/bin/chromium and a reachable PostgreSQL"));
