import { describeScheduleStoreConformance } from "../conformance/schedule-store-conformance.js";
import { describeStoreConformance } from "../conformance/store-conformance.js";
import { describeQueueCountConformance } from "../conformance/queue-count-conformance.js";
import { describeMigrationConformance } from "../conformance/migration-conformance.js";
import { sqliteSchemaFixtures } from "../helpers/schema-at-version.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";
import { loadMigrations } from "../../src/store/sqlite/migrate.js";

const factory = sqliteFactory();
describeStoreConformance(factory);
describeQueueCountConformance(factory);
describeScheduleStoreConformance(factory);
describeMigrationConformance(factory, sqliteSchemaFixtures, loadMigrations().map((m) => m.name));
