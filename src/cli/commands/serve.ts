import { Command, Option } from "commander";
import { Errand } from "../../errand.js";
import { printableDatabase } from "../../store/printable-database.js";
import { ErrandServer, opensRoutesToNetwork } from "../../server/server.js";
import { parseTokenList } from "../../server/auth.js";
import { logJobLifecycle } from "../../server/job-log.js";
import { browsableUrl } from "../../server/listen-url.js";
import { AddressPolicy } from "../../server/webhooks/address-policy.js";
import { isReservedName } from "../../server/reserved-names.js";
import { validateName } from "../../core/enqueue-options.js";
import { DEFAULT_MAX_EVENT_STREAMS, MAX_BODY_LIMIT, resolveServerLimits, type WebhookConfig } from "../../server/config.js";
import { databaseOption, noMigrateOption } from "../connect-option.js";
import { importHandlers } from "../handlers-module.js";
import { listenRefusal } from "../listen-refusal.js";
import { CliUsageError, commaList, connectForCommand, inFlagTerms, intOption, parsedOption, reportError } from "../run-command.js";
import { StopSignals } from "../stop-signals.js";
import { errandLogger } from "../../log-level.js";
import { queuesOption, unhandledQueuesWarning, workerFlags } from "../worker-flags.js";

type ServeOptions = {
  port: string;
  host?: string;
  queues?: string;
  concurrency: string;
  graceMs: string;
  tokens?: string;
  bodyLimit: string;
  maxEventStreams: string;
  types?: string;
  webhookAllow?: string;
};

/** Every flag `serve` checks itself, parsed before the store is opened: bad input exits 2 with nothing started. */
function serveFlags(opts: ServeOptions) {
  const tokens = parsedOption("--tokens", () => parseTokenList(opts.tokens ?? ""));
  // The server refuses this too (for library callers); here the message can name the flags.
  if (opts.host !== undefined && opensRoutesToNetwork(opts.host, tokens.length > 0))
    throw new CliUsageError(
      `--host ${opts.host} without API tokens would open every job route to the network: pass --tokens (or ERRAND_API_TOKENS; see \`errand token create\`), or bind --host 127.0.0.1`,
    );
  const types = commaList(opts.types);
  for (const type of types) {
    validateName(type, `--types "${type}"`); // the rule define() holds types to
    if (isReservedName(type)) throw new CliUsageError(`--types "${type}": names beginning "errand." or "errand:" are Errand's own; the API never enqueues them`);
  }
  const webhookAllow = commaList(opts.webhookAllow);
  parsedOption("--webhook-allow", () => new AddressPolicy(webhookAllow));
  return {
    ...workerFlags(opts),
    types,
    webhookAllow,
    queues: opts.queues === undefined ? undefined : queuesOption(opts.queues),
    tokens,
    port: intOption(opts.port, "--port", { min: 0, max: 65535 }),
    ...serverLimits(opts),
  };
}

const LIMIT_FLAGS = { bodyLimit: "--body-limit", maxEventStreams: "--max-event-streams" };

/** --body-limit and --max-event-streams, held to the server's own checks (resolveServerLimits). */
function serverLimits(opts: ServeOptions): { bodyLimit: number; maxEventStreams: number } {
  const limits = { bodyLimit: intOption(opts.bodyLimit, "--body-limit"), maxEventStreams: intOption(opts.maxEventStreams, "--max-event-streams") };
  try {
    return resolveServerLimits(limits);
  } catch (error) {
    throw inFlagTerms(error, LIMIT_FLAGS);
  }
}

export function serveCommand(version: string): Command {
  return new Command("serve")
    .description("run the HTTP API (and, unless --no-worker, workers for the handlers module) until SIGTERM/SIGINT")
    .addOption(databaseOption())
    .addOption(noMigrateOption())
    .addOption(new Option("-p, --port <n>", "port to listen on").env("PORT").default("3000"))
    .addOption(new Option("--host <host>", "address to bind; default 127.0.0.1 without tokens, 0.0.0.0 with").env("HOST"))
    .option("-H, --handlers <module>", "JavaScript module whose default export defines job types")
    .option("--no-worker", "only serve the API; other processes work the jobs (webhooks are still delivered)")
    .option("-q, --queues <names>", "comma-separated queues to work; default: the queues of the handlers' job types")
    .option("-c, --concurrency <n>", "jobs at once", "10")
    .addOption(new Option("--types <names>", "comma-separated job types accepted without a handler here (worked elsewhere)").env("ERRAND_JOB_TYPES"))
    .addOption(new Option("--tokens <list>", "API tokens: <sha256-hex>=<scope>,<scope>;… (see `errand token`)").env("ERRAND_API_TOKENS"))
    .addOption(new Option("--webhook-secret <secret>", "HMAC-SHA256 key for webhook signatures; enables webhook_url").env("ERRAND_WEBHOOK_SECRET"))
    .addOption(new Option("--webhook-allow <addresses>", "comma-separated IPs/CIDRs webhooks may reach although private (e.g. 127.0.0.1)").env("ERRAND_WEBHOOK_ALLOW"))
    .addOption(new Option("--body-limit <bytes>", `largest request body, at most ${MAX_BODY_LIMIT} (64 MiB)`).env("ERRAND_BODY_LIMIT").default("1048576"))
    .addOption(
      new Option("--max-event-streams <n>", "most job event streams (SSE) open at once; more are answered 503")
        .env("ERRAND_MAX_EVENT_STREAMS")
        .default(String(DEFAULT_MAX_EVENT_STREAMS)),
    )
    .option("--grace-ms <ms>", "on shutdown, how long in-flight jobs may finish before they are returned to the queue", "10000")
    .action(async (opts) => {
      let errand: Errand | null = null;
      let server: ErrandServer | null = null;
      // Listening before anything starts: see StopSignals.
      const signals = new StopSignals();
      try {
        const flags = serveFlags(opts);
        const logger = errandLogger("info", "stdout");
        const register = opts.handlers ? await importHandlers(opts.handlers) : null;
        errand = await connectForCommand(opts.database, { logger, migrate: opts.migrate });
        await register?.(errand);
        for (const type of flags.types) if (!errand.definesType(type)) errand.define(type);
        const queues = flags.queues ?? errand.handledQueues();
        const webhooks: WebhookConfig | undefined = opts.webhookSecret
          ? { secret: opts.webhookSecret, allowedPrivateAddresses: flags.webhookAllow }
          : undefined;
        server = new ErrandServer(errand, {
          logger,
          version,
          tokens: flags.tokens,
          bodyLimit: flags.bodyLimit,
          maxEventStreams: flags.maxEventStreams,
          webhooks,
        });
        logJobLifecycle(errand, logger);
        const url = await server.listen({ port: flags.port, host: opts.host }).catch((error: unknown) => {
          throw listenRefusal(error, "--host/--port", server!.hostFor(opts.host), flags.port);
        });
        // Only once bound: a server that exits because it cannot listen must have run no job.
        const worker = opts.worker && queues.length > 0
          ? errand.work({ queues, concurrency: flags.concurrency, shutdownGraceMs: flags.shutdownGraceMs })
          : null;
        const say = (line: string) => process.stderr.write(`errand: ${line}\n`);
        say(`listening on ${url}  (store ${printableDatabase(opts.database)})`);
        say(server.dashboardPath ? `dashboard: ${browsableUrl(url)}${server.dashboardPath}` : "dashboard: not built (npm run build), not served");
        if (!server.authRequired) say("no API tokens configured: bound to loopback only, every /v1 route is open to local callers");
        say(opts.worker && queues.length > 0 ? `working queues: ${queues.join(", ")}` : "not working jobs here (--no-worker or no handlers)");
        const unhandled = opts.worker ? unhandledQueuesWarning(queues, errand.handledQueues()) : null;
        if (unhandled !== null) say(unhandled);
        say(webhooks ? "webhooks: enabled (signed with the configured secret)" : "webhooks: disabled (set ERRAND_WEBHOOK_SECRET to enable webhook_url)");
        const signal = await signals.first;
        say(`${signal}: no new requests; finishing in-flight jobs (send it again to stop them now)`);
        signals.stopNowOnAgain(errand, say);
        // The worker stops claiming at once while the requests in flight are answered: waiting
        // for them first (a slow client can hold one open) kept it taking new jobs meanwhile.
        await Promise.all([server.close({ graceMs: flags.shutdownGraceMs }), worker?.close()]);
        await errand.close();
        say("stopped");
      } catch (error) {
        process.exitCode = reportError(error);
        await server?.close().catch(() => {});
        await errand?.close({ graceMs: 0 });
      }
      signals.exit();
    });
}
