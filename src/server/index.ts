export { ErrandServer, type ErrandServerOptions } from "./server.js";
export type { ConfiguredToken, ServerConfig, WebhookConfig } from "./config.js";
export { SCOPES, parseTokenList, sha256Hex, type Scope } from "./auth.js";
export { logJobLifecycle, jobLogFields } from "./job-log.js";
export { signWebhook, verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./webhooks/signature.js";
export { WEBHOOK_JOB_TYPE, WEBHOOK_QUEUE, type WebhookDeliveryPayload } from "./webhooks/delivery.js";
export type { JobJson } from "./wire-format.js";
