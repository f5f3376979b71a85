import { describe, it } from "vitest";
import { describeProcessConformance } from "../conformance/process-conformance.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) describeProcessConformance(factory);
else describe.skip("PostgreSQL worker processes", () => it("needs a reachable PostgreSQL"));
