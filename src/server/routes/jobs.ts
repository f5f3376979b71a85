import type { CancelJobsOptions, RetryJobsOptions } from "../../client/job-client.js";
import type { EnqueueRequest } from "../../client/job-definition.js";
import { JobNotFoundError, ValidationError } from "../../core/errors.js";
import type { JobState } from "../../core/states.js";
import type { JobPage } from "../../store/store.js";
import type { RouteContext } from "../context.js";
import { HttpError } from "../http-error.js";
import { refuseReservedNames } from "../reserved-names.js";
import {
  enqueueBatchSchema,
  enqueueItemSchema,
  errorSchema,
  jobBatchSchema,
  jobIdParamsSchema,
  jobListSchema,
  jobSchema,
  listJobsQuerySchema,
  retryJobsBodySchema,
  cancelJobsBodySchema,
} from "../schemas.js";
import { apiFieldName, apiValidationMessage, enqueueOptionsFromBody, jobToJson, type EnqueueBody } from "../wire-format.js";
import { WebhookAddressRefused } from "../webhooks/address-policy.js";

const error = (description: string) => ({ description, schema: errorSchema });

export function addJobRoutes(ctx: RouteContext): void {
  const { errand, routes } = ctx;

  routes.add<EnqueueBody, unknown, unknown>({
    method: "POST",
    url: "/v1/jobs",
    summary: "Enqueue a job; 202 once it is committed",
    tag: "jobs",
    scope: "jobs:write",
    body: enqueueItemSchema,
    responses: {
      202: { description: "created", schema: jobSchema },
      200: { description: "idempotency_key already used: the existing job, nothing created", schema: jobSchema },
      400: error("invalid body"),
      422: error("unknown job type"),
    },
    handler: async (request, reply) => {
      const [outcome] = await enqueue(ctx, [request.body], request.id, null);
      return reply.status(outcome!.created ? 202 : 200).send(jobToJson(outcome!.job));
    },
  });

  routes.add<{ jobs: EnqueueBody[] }, unknown, unknown>({
    method: "POST",
    url: "/v1/jobs/batch",
    summary: "Enqueue up to 1000 jobs atomically: all are created, or none",
    tag: "jobs",
    scope: "jobs:write",
    body: enqueueBatchSchema,
    responses: {
      202: { description: "all committed (existing jobs returned for repeated idempotency keys)", schema: jobBatchSchema },
      400: error("an item is invalid; field names it, e.g. jobs[2].delay_ms; nothing was created"),
      422: error("an item has an unknown job type; nothing was created"),
    },
    handler: async (request, reply) => {
      const outcomes = await enqueue(ctx, request.body.jobs, request.id, "jobs");
      return reply.status(202).send({ jobs: outcomes.map((o) => jobToJson(o.job)) });
    },
  });

  routes.add<unknown, { state?: JobState; type?: string; queue?: string; limit?: string; cursor?: string; omit?: string }, unknown>({
    method: "GET",
    url: "/v1/jobs",
    summary: "List jobs, newest first, filtered and paged",
    tag: "jobs",
    scope: "jobs:read",
    querystring: listJobsQuerySchema,
    responses: { 200: { description: "a page of jobs", schema: jobListSchema }, 400: error("invalid query") },
    handler: async (request) => {
      const { limit, omit, ...filters } = request.query;
      return pageToJson(await errand.listJobs({ ...filters, limit: limit === undefined ? 50 : Number(limit) }), omit?.split(","));
    },
  });

  routes.add<unknown, unknown, { id: string }>({
    method: "GET",
    url: "/v1/jobs/:id",
    summary: "Get one job",
    tag: "jobs",
    scope: "jobs:read",
    params: jobIdParamsSchema,
    responses: { 200: { description: "the job", schema: jobSchema }, 404: error("no such job") },
    handler: async (request) => {
      const job = await errand.getJob(request.params.id);
      if (job === null) throw new JobNotFoundError(request.params.id);
      return jobToJson(job);
    },
  });

  routes.add<unknown, unknown, { id: string }>({
    method: "DELETE",
    url: "/v1/jobs/:id",
    summary: "Cancel a job that has not ended; a running handler is aborted",
    tag: "jobs",
    scope: "jobs:write",
    params: jobIdParamsSchema,
    responses: {
      200: { description: "canceled", schema: jobSchema },
      404: error("no such job"),
      409: error("the job already ended"),
    },
    handler: async (request) => jobToJson(await errand.cancelJob(request.params.id)),
  });

  routes.add<RetryJobsOptions & Omitting, unknown, unknown>({
    method: "POST",
    url: "/v1/jobs/retry",
    summary: "Replay a page of the dead-letter set (or of canceled jobs), newest first; pass next_cursor back for the next",
    tag: "jobs",
    scope: "jobs:write",
    body: retryJobsBodySchema,
    responses: {
      200: { description: "the jobs replayed, and where to go on (null: no more)", schema: jobListSchema },
      400: error("invalid body"),
    },
    handler: async (request) => {
      const { omit, ...options } = request.body;
      return pageToJson(await errand.retryJobs(options), omit);
    },
  });

  routes.add<CancelJobsOptions & Omitting, unknown, unknown>({
    method: "POST",
    url: "/v1/jobs/cancel",
    summary: "Cancel a page of the jobs in one state not ended, newest first; pass next_cursor back for the next",
    tag: "jobs",
    scope: "jobs:write",
    body: cancelJobsBodySchema,
    responses: {
      200: { description: "the jobs canceled, and where to go on (null: no more)", schema: jobListSchema },
      400: error("invalid body"),
    },
    handler: async (request) => {
      const { omit, ...options } = request.body;
      return pageToJson(await errand.cancelJobs(options), omit);
    },
  });

  routes.add<unknown, unknown, { id: string }>({
    method: "POST",
    url: "/v1/jobs/:id/retry",
    summary: "Replay a failed or canceled job with fresh attempts, keeping its history",
    tag: "jobs",
    scope: "jobs:write",
    params: jobIdParamsSchema,
    responses: {
      200: { description: "back to pending", schema: jobSchema },
      404: error("no such job"),
      409: error("the job is not failed or canceled"),
    },
    handler: async (request) => jobToJson(await errand.retryJob(request.params.id)),
  });
}

/** A bulk change's body may ask for its page of jobs without their large fields. */
type Omitting = { omit?: string[] };

/** A page of jobs as the API answers it, each without the `omit` fields (OMITTABLE). */
function pageToJson(page: JobPage, omit: readonly string[] = []) {
  const jobs = page.jobs.map(jobToJson);
  if (omit.length === 0) return { jobs, next_cursor: page.nextCursor };
  const omitted = new Set(omit);
  return { jobs: jobs.map((job) => Object.fromEntries(Object.entries(job).filter(([field]) => !omitted.has(field)))), next_cursor: page.nextCursor };
}

/**
 * Checks what the schema cannot (known type, webhook target, the library's own limits), then
 * enqueues every item in one transaction. Any error names its field and leaves nothing written.
 */
async function enqueue(ctx: RouteContext, items: EnqueueBody[], requestId: string, batchField: "jobs" | null) {
  const requests = items.map((item, i) => enqueueRequestFromBody(ctx, item, batchField === null ? "" : `${batchField}[${i}]`, requestId));
  try {
    return await ctx.errand.enqueueManyWithOutcome(requests);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // The library names batch items "[i].field"; a single enqueue has no index to show.
    const field = batchField === null ? apiFieldName(error.field.replace(/^\[0\]\./, "")) : apiFieldName(error.field, batchField);
    throw new HttpError(400, "invalid_input", apiValidationMessage(error, field), field);
  }
}

/**
 * The library's request for one enqueue body (a job, a flow node, a batch member) at `field`
 * (`jobs[2]`, `nodes.encode`; "" for a lone job): 422 for a type this server does not define,
 * 400 for a webhook_url it will not call. The rest is checked by the library.
 */
export function enqueueRequestFromBody(ctx: RouteContext, item: EnqueueBody, field: string, requestId: string): EnqueueRequest {
  const fieldOf = (name: string) => (field === "" ? name : `${field}.${name}`);
  refuseReservedNames(item, fieldOf);
  if (!ctx.errand.definesType(item.type))
    throw new HttpError(422, "unknown_type", `job type "${item.type}" is not defined on this server`, fieldOf("type"));
  if (item.webhook_url !== undefined) checkWebhookTarget(ctx, item.webhook_url, fieldOf("webhook_url"));
  return { type: item.type, payload: item.payload === undefined ? {} : item.payload, options: enqueueOptionsFromBody(item, requestId) };
}

/** Refuses a webhook_url this server will not call (none configured, or a refused address). */
export function checkWebhookTarget(ctx: RouteContext, value: string, field: string): void {
  if (ctx.webhookPolicy === null)
    throw new HttpError(400, "webhooks_disabled", "this server has no webhook secret configured (ERRAND_WEBHOOK_SECRET)", field);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HttpError(400, "invalid_input", `${field}: must be an http or https URL`, field);
  }
  try {
    ctx.webhookPolicy.checkLiteral(url.hostname);
  } catch (error) {
    if (error instanceof WebhookAddressRefused) throw new HttpError(400, "webhook_target_refused", error.message, field);
    throw error;
  }
}
