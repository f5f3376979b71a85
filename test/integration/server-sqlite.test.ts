import { describeServerAuth } from "../conformance/server-auth.js";
import { describeServerEventStreams } from "../conformance/server-event-streams.js";
import { describeServerMetrics } from "../conformance/server-metrics.js";
import { describeServerHostileBodies } from "../conformance/server-hostile-bodies.js";
import { describeServerRoutes } from "../conformance/server-routes.js";
import { describeServerSchedules } from "../conformance/server-schedules.js";
import { describeServerWebhooks } from "../conformance/server-webhooks.js";
import { sqliteFactory } from "../helpers/sqlite-factory.js";

const factory = sqliteFactory();
describeServerRoutes(factory);
describeServerEventStreams(factory);
describeServerAuth(factory);
describeServerWebhooks(factory);
describeServerHostileBodies(factory);
describeServerSchedules(factory);
describeServerMetrics(factory);
