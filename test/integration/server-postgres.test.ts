import { describe, it } from "vitest";
import { describeServerAuth } from "../conformance/server-auth.js";
import { describeServerEventStreams } from "../conformance/server-event-streams.js";
import { describeServerMetrics } from "../conformance/server-metrics.js";
import { describeServerHostileBodies } from "../conformance/server-hostile-bodies.js";
import { describeServerRoutes } from "../conformance/server-routes.js";
import { describeServerSchedules } from "../conformance/server-schedules.js";
import { describeServerWebhooks } from "../conformance/server-webhooks.js";
import { postgresFactory } from "../helpers/postgres-factory.js";

const factory = await postgresFactory();

if (factory) {
  describeServerRoutes(factory);
  describeServerEventStreams(factory);
  describeServerAuth(factory);
  describeServerWebhooks(factory);
  describeServerHostileBodies(factory);
  describeServerSchedules(factory);
  describeServerMetrics(factory);
} else {
  describe.skip("HTTP API on PostgreSQL", () => it("needs a reachable PostgreSQL"));
}
