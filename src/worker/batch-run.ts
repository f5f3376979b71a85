import type { BatchContext, BatchHandler } from "../core/batch-handler.js";
import type { ClaimedJob } from "../core/job.js";
import { JobRun, type JobRunDeps } from "./job-run.js";

/**
 * One call of a batch handler on jobs of one type. Each job is still its own JobRun: its
 * lease, timeout, cancel, fencing and outcome (complete, retry, PermanentError, snooze) are
 * handled and recorded exactly as for a single handler; its "handler" waits for its place in
 * the outcomes the batch returns. `settled` settles when the batch handler's own promise
 * has: the worker's slot is held until then, whatever its jobs' signals did.
 */
export class BatchRun {
  readonly runs: JobRun[];
  readonly settled: Promise<void>;

  constructor(jobs: ClaimedJob[], handler: BatchHandler<unknown, unknown>, deps: JobRunDeps) {
    let deliver!: (outcomes: Promise<unknown[]>) => void;
    const outcomes = new Promise<unknown[]>((resolve) => (deliver = resolve));
    this.runs = jobs.map((job, i) => new JobRun(job, () => outcomes.then((all) => outcomeAt(all, i)), deps));
    const calling = (async () => handler(jobs.map((j) => j.payload), this.context(jobs)))();
    deliver(calling.then((all) => checkedOutcomes(all, jobs.length)));
    this.settled = calling.then(
      () => undefined,
      () => undefined,
    );
  }

  private context(jobs: ClaimedJob[]): BatchContext<unknown> {
    const { runs } = this;
    const whole = new AbortController();
    let wanted = runs.length;
    for (const run of runs) {
      const signal = run.signal;
      const onAbort = () => {
        if (--wanted === 0) whole.abort(signal.reason);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    return {
      jobs,
      signal: whole.signal,
      signalOf: (index) => {
        const run = runs[index];
        if (run === undefined) throw new RangeError(`signalOf: no job at index ${index} in a batch of ${runs.length}`);
        return run.signal;
      },
    };
  }
}

function checkedOutcomes(all: unknown, count: number): unknown[] {
  if (!Array.isArray(all) || all.length !== count) {
    const got = Array.isArray(all) ? `${all.length} outcomes` : typeof all;
    throw new TypeError(`batch handler returned ${got}; it must return an array of one outcome per job (${count})`);
  }
  return all;
}

function outcomeAt(all: unknown[], index: number): unknown {
  const outcome = all[index];
  if (outcome instanceof Error) throw outcome;
  return outcome;
}
