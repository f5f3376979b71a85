import pg from "pg";
import type { SchemaName } from "./schema-name.js";

type Listener = (queue: string | null) => void;

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * One dedicated connection per store that LISTENs on the schema's channel and fans each
 * notice (a queue name) out to subscribers. It is not a pool client: a pooled connection
 * would be handed to queries and could not stay in LISTEN. When the connection drops it is
 * re-established with backoff, and subscribers get `null` because notices sent while it was
 * down are lost.
 */
export class NewJobsListener {
  private readonly listeners = new Set<Listener>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs = FIRST_RETRY_MS;
  /** Set while notices may have been lost: the connection dropped or could not be made. */
  private missedNotices = false;

  constructor(
    private readonly config: {
      connectionString: string;
      schema: SchemaName;
      onError: (error: unknown) => void;
    },
  ) {}

  /** Resolves once the first connection attempt is over; later ones happen in the background. */
  async subscribe(listener: Listener): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    if (this.client === null && this.retryTimer === null) await (this.connecting ??= this.connect());
    return async () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) await this.stop();
    };
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.connecting;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.config.connectionString,
      application_name: `errand-listener:${this.config.schema.name}`,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    client.on("notification", (message) => {
      if (message.channel === this.config.schema.channel) this.emit(message.payload ?? null);
    });
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.config.schema.channel)}`);
    } catch (error) {
      client.end().catch(() => {});
      this.connecting = null;
      this.missedNotices = true;
      this.config.onError(error);
      this.retryLater();
      return;
    }
    this.connecting = null;
    if (this.listeners.size === 0) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    if (this.missedNotices) {
      this.missedNotices = false;
      this.emit(null);
    }
  }

  private lost(client: pg.Client, error: Error | null): void {
    if (this.client !== client) return;
    this.client = null;
    this.missedNotices = true;
    if (error !== null) this.config.onError(error);
    client.end().catch(() => {});
    this.retryLater();
  }

  private retryLater(): void {
    if (this.listeners.size === 0 || this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connecting ??= this.connect();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private emit(queue: string | null): void {
    for (const listener of this.listeners) {
      try {
        listener(queue);
      } catch (error) {
        this.config.onError(error);
      }
    }
  }
}
