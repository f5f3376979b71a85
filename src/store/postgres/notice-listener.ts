import pg from "pg";
import type { JobId } from "../../core/job.js";
import type { SchemaName } from "./schema-name.js";

/** What the schema's channels announce, and what a listener is told of each. */
export interface Notices {
  /** A job became runnable in `queue`; null: notices may have been missed, look at every queue. */
  "new-jobs": string | null;
  /** Running jobs were canceled (their ids); null: notices may have been missed, check every lease held. */
  canceled: JobId[] | null;
}
type Kind = keyof Notices;
type Listener<K extends Kind> = (notice: Notices[K]) => void;

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * One dedicated connection per store that LISTENs on the schema's channels (new jobs, canceled
 * jobs) and fans each notice out to the subscribers of its kind. It is not a pool client: a
 * pooled connection would be handed to queries and could not stay in LISTEN. When the
 * connection drops it is re-established with backoff, and subscribers get `null` because
 * notices sent while it was down are lost.
 */
export class NoticeListener {
  private readonly listeners: { [K in Kind]: Set<Listener<K>> } = { "new-jobs": new Set(), canceled: new Set() };
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
  async subscribe<K extends Kind>(kind: K, listener: Listener<K>): Promise<() => Promise<void>> {
    (this.listeners[kind] as Set<Listener<K>>).add(listener);
    if (this.client === null && this.retryTimer === null) await (this.connecting ??= this.connect());
    return async () => {
      (this.listeners[kind] as Set<Listener<K>>).delete(listener);
      if (this.subscribers() === 0) await this.stop();
    };
  }

  async stop(): Promise<void> {
    for (const set of Object.values(this.listeners)) set.clear();
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
    const { channel, cancelChannel } = this.config.schema;
    client.on("notification", (message) => {
      if (message.channel === channel) this.emit("new-jobs", message.payload ?? null);
      else if (message.channel === cancelChannel) this.emit("canceled", message.payload ? message.payload.split(",") : null);
    });
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}; LISTEN ${client.escapeIdentifier(cancelChannel)}`);
    } catch (error) {
      client.end().catch(() => {});
      this.connecting = null;
      this.missedNotices = true;
      this.config.onError(error);
      this.retryLater();
      return;
    }
    this.connecting = null;
    if (this.subscribers() === 0) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    if (this.missedNotices) {
      this.missedNotices = false;
      this.emit("new-jobs", null);
      this.emit("canceled", null);
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
    if (this.subscribers() === 0 || this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connecting ??= this.connect();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private subscribers(): number {
    return this.listeners["new-jobs"].size + this.listeners.canceled.size;
  }

  private emit<K extends Kind>(kind: K, notice: Notices[K]): void {
    for (const listener of this.listeners[kind] as Set<Listener<K>>) {
      try {
        listener(notice);
      } catch (error) {
        this.config.onError(error);
      }
    }
  }
}
