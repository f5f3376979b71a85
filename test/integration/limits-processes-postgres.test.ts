import { describe, it } from "vitest";
import { describeLimitsProcessConformance } from "../conformance/limits-process-conformance.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) describeLimitsProcessConformance(factory);
else describe.skip("PostgreSQL limits across processes", () => it("needs a reachable PostgreSQL"));
