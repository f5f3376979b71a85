import { MAX_BATCH_MEMBERS, type Batch, type BatchSummary } from "../core/batch.js";
import { holdsNulOrLoneSurrogate, type EnqueueOptions } from "../core/enqueue-options.js";
import { ValidationError } from "../core/errors.js";
import type { InsertedBatch, Store } from "../store/store.js";
import { refuseJoinedOptions } from "./joined-jobs.js";
import { validateId, type JobClient } from "./job-client.js";
import type { EnqueueRequest, JobDefinition } from "./job-definition.js";
import { knownOptions } from "../core/option-keys.js";

const SUMMARY_FIELDS: readonly (keyof BatchSummary)[] = ["batchId", "completed", "failed", "canceled"];

/**
 * The job that runs once after every member of a batch ended. Its handler's payload is this
 * `payload` with the batch's summary merged in, so a handler declared as
 * `(payload: { campaign: string } & BatchSummary) => …` types both.
 */
export interface BatchCallbackRequest<Payload extends BatchSummary = BatchSummary, Result = unknown> {
  type: string | JobDefinition<Payload, Result>;
  /** A JSON object: the payload without the summary fields, which the store fills in. */
  payload: Omit<Payload, keyof BatchSummary>;
  options?: EnqueueOptions;
}

export interface EnqueueBatchOptions<Payload extends BatchSummary, Result> {
  onComplete: BatchCallbackRequest<Payload, Result>;
}

export type EnqueuedBatch = InsertedBatch;

const BATCH_OPTION_KEYS: ReadonlySet<string> = new Set(["onComplete"]);

/** Batches: many jobs whose endings are counted, and one job that runs when the last ends. */
export class BatchClient {
  constructor(
    private readonly store: Store,
    private readonly jobs: JobClient,
  ) {}

  async enqueueBatch<Payload extends BatchSummary, Result>(
    requests: EnqueueRequest<any, any>[],
    options: EnqueueBatchOptions<Payload, Result>,
  ): Promise<EnqueuedBatch> {
    if (!Array.isArray(requests) || requests.length === 0) throw new ValidationError("requests", "must be a non-empty array");
    if (requests.length > MAX_BATCH_MEMBERS)
      throw new ValidationError("requests", `must have at most ${MAX_BATCH_MEMBERS} jobs`);
    knownOptions(options, BATCH_OPTION_KEYS);
    const onComplete = options?.onComplete;
    if (typeof onComplete !== "object" || onComplete === null)
      throw new ValidationError("onComplete", "is required: the job to run once every member ended");
    checkCallbackPayload(onComplete.payload);
    refuseJoinedOptions(onComplete.options, "onComplete.", "a batch's onComplete job");
    const callback = this.jobs.resolve(onComplete as EnqueueRequest, "onComplete.");
    const members = requests.map((request, i) => {
      refuseJoinedOptions(request?.options, `requests[${i}].`, "batch members");
      return this.jobs.resolve(request, `requests[${i}].`);
    });
    // It waits for its batch: blocked until the last member ends.
    const inserted = await this.store.insertBatch({ jobs: members, onComplete: { ...callback, parentsWaiting: 1 } });
    this.jobs.announce([inserted.onComplete, ...inserted.jobs]);
    return inserted;
  }

  getBatch(id: string): Promise<Batch | null> {
    return this.store.getBatch({ id: validateId(id, "id", "batch") });
  }
}

function checkCallbackPayload(payload: unknown): void {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    throw new ValidationError("onComplete.payload", "must be a JSON object: the batch summary is merged into it");
  for (const field of SUMMARY_FIELDS)
    if (Object.hasOwn(payload, field)) throw new ValidationError(`onComplete.payload.${field}`, "is set by the batch when it ends");
  const unmergeable = pathNotMergeable(payload, "onComplete.payload");
  if (unmergeable !== null)
    throw new ValidationError(unmergeable, "must not contain NUL (U+0000) or a lone surrogate: the batch summary could not be merged into it");
}

/**
 * The first string or key in `value` holding NUL or a lone surrogate, by path. PostgreSQL
 * parses the payload to merge the summary into it, and its JSON parser refuses both: the last
 * member's ending would fail every time it is tried, and the batch would never end.
 */
function pathNotMergeable(value: unknown, path: string): string | null {
  if (typeof value === "string") return holdsNulOrLoneSurrogate(value) ? path : null;
  if (typeof value !== "object" || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (holdsNulOrLoneSurrogate(key)) return at;
    const found = pathNotMergeable(item, at);
    if (found !== null) return found;
  }
  return null;
}
