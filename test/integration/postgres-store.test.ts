import { describe, it } from "vitest";
import { describeScheduleStoreConformance } from "../conformance/schedule-store-conformance.js";
import { describeStoreConformance } from "../conformance/store-conformance.js";
import { describeQueueCountConformance } from "../conformance/queue-count-conformance.js";
import { describeRuntimeConformance } from "../conformance/runtime-conformance.js";
import { describeScheduleRuntimeConformance } from "../conformance/schedule-runtime-conformance.js";
import { describeStartOnInsertConformance } from "../conformance/start-on-insert-conformance.js";
import { describeMigrationConformance } from "../conformance/migration-conformance.js";
import { postgresFactory } from "../helpers/postgres-factory.js";
import { postgresSchemaFixtures } from "../helpers/schema-at-version.js";
import { loadMigrations } from "../../src/store/postgres/migrate.js";
import { schemaName } from "../../src/store/postgres/schema-name.js";

const factory = await postgresFactory();

if (factory) {
  describeStoreConformance(factory);
  describeQueueCountConformance(factory);
  describeRuntimeConformance(factory);
  describeStartOnInsertConformance(factory);
  describeScheduleStoreConformance(factory);
  describeScheduleRuntimeConformance(factory);
  describeMigrationConformance(factory, postgresSchemaFixtures, loadMigrations(schemaName("errand")).map((m) => m.name));
} else {
  describe.skip("PostgreSQL store", () => it("needs a reachable PostgreSQL"));
}
