import { describe, it } from "vitest";
import { describeRetentionConformance, describeRetentionRuntime } from "../conformance/retention-conformance.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) {
  describeRetentionConformance(factory);
  describeRetentionRuntime(factory);
} else {
  describe.skip("PostgreSQL retention", () => it("needs a reachable PostgreSQL"));
}
