import type { ServerResponse } from "node:http";
import type { PolledQueueCounts } from "../client/polled-queue-counts.js";
import type { Errand } from "../errand.js";
import type { EventStreamSlots } from "./event-stream-slots.js";
import type { JobWatcher } from "./job-watcher.js";
import type { RouteTable } from "./route-table.js";
import type { AddressPolicy } from "./webhooks/address-policy.js";

/** What route modules share: the library, the route table, and server-wide settings. */
export interface RouteContext {
  errand: Errand;
  routes: RouteTable;
  /** Null when no webhook secret is configured: `webhook_url` is then refused. */
  webhookPolicy: AddressPolicy | null;
  /** Follows the jobs of every open event stream with one store read per tick. */
  jobWatcher: JobWatcher;
  /** Open SSE responses, ended when the server closes so shutdown does not wait on them. */
  openStreams: Set<ServerResponse>;
  /** Caps the event streams open at once (ServerConfig.maxEventStreams). */
  eventStreamSlots: EventStreamSlots;
  /** GET /v1/queues' counts, shared by the dashboards that poll them. */
  queueCounts: PolledQueueCounts;
}
