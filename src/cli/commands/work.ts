import { Command } from "commander";
import { errandLogger } from "../../log-level.js";
import { Errand } from "../../errand.js";
import { ErrandMetrics } from "../../metrics/errand-metrics.js";
import { serveMetrics, type MetricsEndpoint } from "../../metrics/metrics-endpoint.js";
import { printableDatabase } from "../../store/printable-database.js";
import { logJobLifecycle } from "../../server/job-log.js";
import { databaseOption, noMigrateOption } from "../connect-option.js";
import { importHandlers } from "../handlers-module.js";
import { listenRefusal } from "../listen-refusal.js";
import { CliUsageError, connectForCommand, intOption, reportError } from "../run-command.js";
import { StopSignals } from "../stop-signals.js";
import { queuesOption, unhandledQueuesWarning, workerFlags } from "../worker-flags.js";

export function workCommand(): Command {
  return new Command("work")
    .description("run a worker for the job types a handlers module defines, until SIGTERM/SIGINT")
    .requiredOption("-H, --handlers <module>", "JavaScript module whose default export defines job types")
    .option("-q, --queues <names>", "comma-separated queues to work; default: the queues of the handlers' job types")
    .option("-c, --concurrency <n>", "jobs at once", "10")
    .option("--lease-ms <ms>", "lease length; a dead worker's jobs return after this", "15000")
    .option("--grace-ms <ms>", "on shutdown, how long in-flight jobs may finish before they are returned to the queue", "10000")
    .option("--metrics-port <port>", "serve Prometheus metrics at http://<metrics-host>:<port>/metrics (0: any free port)")
    .option("--metrics-host <host>", "address the metrics listener binds", "127.0.0.1")
    .option("--no-metrics-job-counts", "leave errand_jobs and errand_store_up out of this worker's metrics (each scrape with them counts the jobs table; one scraped process is enough)")
    .addOption(databaseOption())
    .addOption(noMigrateOption())
    .action(async (opts) => {
      let errand: Errand | null = null;
      let metrics: ErrandMetrics | null = null;
      let metricsEndpoint: MetricsEndpoint | null = null;
      const stopMetrics = async () => {
        await metricsEndpoint?.close();
        metrics?.close();
      };
      // Listening before anything starts: see StopSignals.
      const signals = new StopSignals();
      try {
        // Parsed before connecting: bad input exits 2 with nothing started.
        const flags = workerFlags(opts);
        const chosenQueues = opts.queues === undefined ? undefined : queuesOption(opts.queues);
        const metricsPort = intOption(opts.metricsPort as string | undefined, "--metrics-port", { min: 0, max: 65535 });
        const register = await importHandlers(opts.handlers);
        // At info by default, as `serve`: a worker process's log is its job lines (on stderr, with its own lines).
        const logger = errandLogger("info", "stderr");
        errand = await connectForCommand(opts.database, { logger, migrate: opts.migrate });
        await register(errand);
        // As `serve` does: a handlers module whose types live in "mail" is worked on "mail".
        const queues = chosenQueues ?? errand.handledQueues();
        if (queues.length === 0) throw new CliUsageError(`${opts.handlers} defines no job type with a handler: nothing to work`);
        // Listening before the worker starts: no job goes uncounted, and a taken port stops the process before it claims any.
        if (metricsPort !== undefined) {
          metrics = new ErrandMetrics(errand, { jobCounts: opts.metricsJobCounts as boolean });
          metricsEndpoint = await serveMetrics(metrics, { port: metricsPort, host: opts.metricsHost }).catch((error: unknown) => {
            throw listenRefusal(error, "--metrics-host/--metrics-port", opts.metricsHost, metricsPort);
          });
        }
        // Job lines carry the correlation id of the request that enqueued the job.
        logJobLifecycle(errand, logger);
        const worker = errand.work({ ...flags, queues });
        const say = (line: string) => process.stderr.write(`errand: ${line}\n`);
        if (metricsEndpoint) say(`metrics on ${metricsEndpoint.url}`);
        say(`worker ${worker.id} on ${queues.join(", ")} (${printableDatabase(opts.database)}); SIGTERM drains`);
        const unhandled = unhandledQueuesWarning(queues, errand.handledQueues());
        if (unhandled !== null) say(unhandled);
        const signal = await signals.first;
        say(`${signal}: finishing in-flight jobs (send it again to stop them now)`);
        signals.stopNowOnAgain(errand, say);
        // Metrics are served while in-flight jobs finish, and stop with the worker.
        await errand.close();
        await stopMetrics();
        say("stopped");
      } catch (error) {
        process.exitCode = reportError(error);
        await stopMetrics();
        await errand?.close({ graceMs: 0 });
      }
      signals.exit();
    });
}
