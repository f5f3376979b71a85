import pg from "pg";
import type { TransactionClient } from "../../core/enqueue-options.js";
import { ClosedError, StoreUnavailableError } from "../../core/errors.js";
import type { BackgroundErrorHandler } from "../store.js";
import { asStoreError, isConnectionError } from "./connection-errors.js";
import type { StatementName, Statements } from "./statements.js";
import { storeTypes } from "./timestamp-parser.js";

/**
 * Runs the PostgreSQL store's statements: on its pool, on a connection checked out for a
 * transaction, or on a caller's. Every failure leaves as the store's error (asStoreError,
 * naming the server at `where`); a dropped connection no caller hears of goes to
 * `onBackgroundError`.
 */
export class StatementRunner {
  private readonly pool: pg.Pool;
  readonly statements: Statements;
  private readonly where: string;
  readonly onBackgroundError: BackgroundErrorHandler;
  private readonly connectionSettings: pg.ClientConfig;
  private readonly heardClients = new WeakSet<pg.PoolClient>();
  /** Connections checked out by connect() and not yet released. */
  private readonly checkedOut = new WeakSet<pg.PoolClient>();
  /** Set by end(): what starts afterwards is refused with ClosedError, not the pool's "Cannot use a pool after calling end". */
  private ended = false;

  constructor(config: {
    pool: pg.Pool;
    statements: Statements;
    where: string;
    onBackgroundError: BackgroundErrorHandler;
    /** How to open a connection of one's own to the same server (cancelStatement). */
    connectionSettings: pg.ClientConfig;
  }) {
    this.pool = config.pool;
    this.connectionSettings = config.connectionSettings;
    this.statements = config.statements;
    this.where = config.where;
    this.onBackgroundError = config.onBackgroundError;
    this.pool.on("acquire", (client) => this.listenTo(client));
  }

  /** Closes the pool once its connections are given back. */
  end(): Promise<void> {
    this.ended = true;
    return this.pool.end();
  }

  /** Refuses work begun after end(); statements of a transaction begun before it go on, as the pool lets them. */
  private refuseIfEnded(): void {
    if (this.ended) throw new ClosedError(`the PostgreSQL store at ${this.where}`);
  }

  /** One pooled connection for `fn`, its errors reported as the store's. */
  async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      return await fn(client);
    } catch (error) {
      throw this.storeError(error);
    } finally {
      this.release(client);
    }
  }

  async query<R>(statement: StatementName, values: unknown[], client?: TransactionClient): Promise<R[]> {
    return (await this.run(statement, values, client)).rows as R[];
  }

  /**
   * One statement on the pool or on a connection of our own (`client`), as a named prepared
   * statement (see run()). With `arrays`, each row comes as an array of its columns: no object
   * built per row.
   */
  async queryPrepared<R>(
    statement: StatementName,
    values: unknown[],
    options?: { arrays?: boolean; client?: pg.PoolClient },
  ): Promise<R[]> {
    const { name, text } = this.statements[statement];
    if (options?.client === undefined) this.refuseIfEnded();
    const client = options?.client ?? this.pool;
    try {
      const result = options?.arrays
        ? await client.query({ name, text, values, rowMode: "array" })
        : await client.query({ name, text, values });
      return result.rows as R[];
    } catch (error) {
      throw this.storeError(error);
    }
  }

  /**
   * Runs one statement: on the pool as a named prepared statement (parsed and planned once per
   * connection, which matters on the hot path), or as plain text on a given connection — a
   * caller's, which should not collect our prepared statements, or a cold path's transaction.
   * Rows are always read with the store's own type parsers: a caller's client may have its own
   * (timestamps as text, say), and every row mapper here expects what the store's pool returns.
   */
  async run(
    statement: StatementName,
    values: unknown[],
    client?: TransactionClient,
  ): Promise<{ rows: unknown[]; rowCount?: number | null }> {
    const { name, text } = this.statements[statement];
    // A caller's transaction is refused too (jobs written through a closed store would surprise);
    // one of ours, begun before end(), goes on.
    if (client === undefined || !this.checkedOut.has(client as pg.PoolClient)) this.refuseIfEnded();
    try {
      if (client === undefined) return await this.pool.query({ name, text, values });
      return await client.query({ text, values, types: storeTypes });
    } catch (error) {
      throw this.storeError(error);
    }
  }

  /**
   * One statement on a pooled connection, for a write its caller must not send twice unless it
   * certainly was not written: failing to get the connection (refused, or dropped before the
   * statement went out) is StoreUnavailableError with outcome `not_written`; a failure after
   * that is reported as run() reports it, the outcome unknown.
   */
  async runOnce(statement: StatementName, values: unknown[]): Promise<{ rowCount: number | null }> {
    const { name, text } = this.statements[statement];
    let client: pg.PoolClient;
    try {
      client = await this.connect();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      throw new StoreUnavailableError(`${error.message}; nothing was written`, { cause: error.cause, outcome: "not_written" });
    }
    let broken: Error | undefined;
    try {
      return await client.query({ name, text, values });
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      throw this.storeError(error);
    } finally {
      this.release(client, broken);
    }
  }

  /**
   * Runs `fn` in a transaction (begun with `begin`) on a connection of its own: committed if it
   * returns, rolled back if it throws. Once `signal` aborts, the transaction is abandoned: a
   * statement under way is cancelled (pg_cancel_backend, from a connection of its own), the
   * connection is closed, which rolls the transaction back in the server, and this rejects with
   * the signal's reason at once, unless its COMMIT was already sent and went through. `fn` may
   * still be running then; whatever it sends next fails on the closed connection. Closing
   * rather than sending ROLLBACK is what keeps its next statement from running after the
   * ROLLBACK, outside any transaction; and a cancel landing late then finds no one else's.
   */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>, options: { begin?: string; signal?: AbortSignal } = {}): Promise<T> {
    const { begin = "BEGIN", signal } = options;
    const client = await this.connect();
    let broken: Error | undefined;
    let canceling: Promise<void> | null = null;
    let abandon: ((reason: unknown) => void) | null = null;
    const abandoned = signal && new Promise<never>((_, reject) => (abandon = reject));
    const onAbort = () => {
      canceling = this.cancelStatement(client);
      abandon?.(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    let commitSent = false;
    try {
      signal?.throwIfAborted();
      await this.rawQuery(client, begin);
      const working = fn(client);
      working.catch(() => {}); // if abandoned, its failure is no one's to hear
      const result = await (abandoned ? Promise.race([working, abandoned]) : working);
      signal?.throwIfAborted();
      commitSent = true;
      await this.rawQuery(client, "COMMIT");
      return result;
    } catch (error) {
      if (signal?.aborted) {
        broken = new Error("its transaction was abandoned");
        throw signal.reason;
      }
      await client.query("ROLLBACK").catch((e: Error) => (broken = e));
      // fn's own statements (a handler's, in completeInTransaction) fail with the driver's error
      // when the connection goes: that is the store's connection, lost, as for Errand's statements.
      // A read-only transaction wrote nothing, committed or not: its error says nothing of writes.
      throw /\bREAD ONLY\b/i.test(begin) ? this.storeError(error) : transactionOutcome(this.storeError(error), commitSent);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      await canceling;
      // A connection that could not even roll back, or was abandoned, is closed, not pooled.
      this.release(client, broken);
    }
  }

  /**
   * `error` as the store reports it (asStoreError). A wait for a connection that timed out
   * while every one of the pool's connections was in use is told apart from a server that cannot
   * be reached: usually the server is fine and this process asked for more than its pool holds,
   * but connections whose statements are never answered (a partition) fill the pool too.
   */
  private storeError(error: unknown): unknown {
    const { max } = this.pool.options;
    if (error instanceof Error && /timeout exceeded when trying to connect/i.test(error.message) && max !== undefined && this.pool.totalCount >= max) {
      return new StoreUnavailableError(
        `PostgreSQL at ${this.where}: all ${max} of this process's connections stayed in use while a statement waited for one ` +
          "(raise ?pool_size= in the connection string, or keep ctx.completeInTransaction short; " +
          "or the server stopped answering the statements on them: a partition or a hung server)",
        { cause: error },
      );
    }
    return asStoreError(error, this.where);
  }

  /** Cancels what `client`'s backend is running, if anything, from a connection of its own (the pool's may all be busy). */
  private async cancelStatement(client: pg.PoolClient): Promise<void> {
    const { processID } = client as unknown as { processID: number };
    const canceler = new pg.Client(this.connectionSettings);
    canceler.on("error", () => {});
    try {
      await canceler.connect();
      await canceler.query("SELECT pg_cancel_backend($1)", [processID]);
    } catch (error) {
      // The statement then runs to its end; the transaction is still rolled back after it.
      this.onBackgroundError(error as Error, "statement cancel");
    } finally {
      await canceler.end().catch(() => {});
    }
  }

  /**
   * Listens for errors on every connection from the moment the pool hands it out. The pool
   * listens only while a connection is idle; one that drops between two statements of a
   * transaction would emit an unheard 'error' and crash the process. So would one that drops
   * as it is handed out: pool.connect() resolves a microtask after the pool stops listening,
   * and an error the server sent in the same packet as its ready message (a backend
   * terminated just as its session began) is emitted in between. Added at 'acquire', which
   * the pool emits before it stops listening, once per connection (the pool reuses them).
   */
  private listenTo(client: pg.PoolClient): void {
    if (this.heardClients.has(client)) return;
    // Reports only while checked out here: idle, the pool's own listener reports it; inside a
    // pool.query, that query's caller hears of it; on its way to connect(), the statement sent
    // on it fails as a dropped connection.
    client.on("error", (error) => {
      if (this.checkedOut.has(client)) this.onBackgroundError(error, "transaction connection");
    });
    this.heardClients.add(client);
  }

  /** A connection checked out of the pool, for a transaction. Give it back with release(). */
  private async connect(): Promise<pg.PoolClient> {
    this.refuseIfEnded();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.storeError(error);
    }
    this.checkedOut.add(client);
    return client;
  }

  private release(client: pg.PoolClient, broken?: Error): void {
    this.checkedOut.delete(client);
    client.release(broken);
  }

  private async rawQuery(client: pg.PoolClient, text: string): Promise<void> {
    try {
      await client.query(text);
    } catch (error) {
      throw this.storeError(error);
    }
  }
}

/**
 * A transaction's connection lost: the server rolls back what it had not been asked to commit,
 * so before COMMIT was sent nothing was written; after, it may have committed before the reply
 * was lost. Said in the error, since a caller who tries again after a commit that went through
 * writes it twice (a flow or batch has no idempotency key to find it by).
 */
function transactionOutcome(error: unknown, commitSent: boolean): unknown {
  if (!(error instanceof StoreUnavailableError) || error.outcome !== undefined || !isConnectionError(error.cause)) return error;
  return commitSent
    ? new StoreUnavailableError(`${error.message}; the connection was lost after COMMIT was sent, so the transaction may have committed: look before trying again`, { cause: error.cause, outcome: "unknown" })
    : new StoreUnavailableError(`${error.message}; nothing was written (the transaction was rolled back)`, { cause: error.cause, outcome: "not_written" });
}
