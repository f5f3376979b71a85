import type { Logger } from "pino";
import type { JobDefinition } from "../../client/job-definition.js";
import type { Errand } from "../../errand.js";
import type { WebhookDeliveryPayload, WebhookDeliveryResult } from "./delivery.js";

const BATCH = 100;

/**
 * Turns ended jobs that owe a webhook into delivery jobs. It reads the store, not this
 * process's events, so jobs that end in any worker process (or on another machine) are
 * announced, and a crash between the two steps loses nothing: the delivery is enqueued under
 * an idempotency key first, and only then is the job marked, so a repeat is a no-op.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly errand: Errand,
    private readonly delivery: JobDefinition<WebhookDeliveryPayload, WebhookDeliveryResult>,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.dispatchAll().finally(() => {
        this.running = null;
        this.schedule();
      });
    }, this.intervalMs);
  }

  private async dispatchAll(): Promise<void> {
    const { store } = this.errand;
    try {
      for (;;) {
        const ended = await store.listJobsAwaitingWebhook({ limit: BATCH });
        if (ended.length === 0) return;
        await this.errand.enqueueMany(
          ended.map((job) =>
            this.delivery.request(
              { job_id: job.id, url: job.webhookUrl!, state: job.state, finished_at: job.finishedAt?.toISOString() ?? null },
              {
                idempotencyKey: `${this.delivery.type}:${job.id}:${job.finishedAt?.getTime() ?? 0}`,
                ...(job.correlationId ? { correlationId: job.correlationId } : {}),
              },
            ),
          ),
        );
        await store.markWebhooksEnqueued({ jobs: ended });
        if (ended.length < BATCH || this.stopped) return;
      }
    } catch (error) {
      this.logger.error({ err: error }, "enqueueing webhook deliveries failed; will try again");
    }
  }
}
