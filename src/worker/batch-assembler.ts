import type { BatchHandler, BatchOptions } from "../core/batch-handler.js";
import type { ClaimedJob, JobId } from "../core/job.js";

/** A batch job type as the worker runs it. */
export interface BatchSpec extends BatchOptions {
  handler: BatchHandler<unknown, unknown>;
}

export interface Batch {
  jobs: ClaimedJob[];
  spec: BatchSpec;
}

interface Forming extends Batch {
  timer: NodeJS.Timeout;
  /** Its first job has waited `maxWaitMs`: it goes with what it has once a slot is free. */
  due: boolean;
}

/**
 * Gathers claimed jobs of batch types into batches, one forming per type. A batch is full at
 * `size` jobs; one that is not is due `maxWaitMs` after its first job arrived, and `onDue`
 * is called then so the worker can start it. Jobs held here are claimed (leased) already.
 */
export class BatchAssembler {
  private readonly forming = new Map<string, Forming>();
  private readonly full: Batch[] = [];

  constructor(private readonly onDue: () => void) {}

  /** Jobs held, in full and forming batches. */
  get size(): number {
    let n = 0;
    for (const batch of this.full) n += batch.jobs.length;
    for (const batch of this.forming.values()) n += batch.jobs.length;
    return n;
  }

  add(job: ClaimedJob, spec: BatchSpec): void {
    const batch = this.forming.get(job.type) ?? this.startForming(job.type, spec);
    batch.jobs.push(job);
    if (batch.jobs.length >= spec.size) {
      this.forming.delete(job.type);
      clearTimeout(batch.timer);
      this.full.push({ jobs: batch.jobs, spec });
    }
  }

  takeFull(): Batch | undefined {
    return this.full.shift();
  }

  takeDue(): Batch | undefined {
    for (const [type, batch] of this.forming) {
      if (!batch.due) continue;
      this.forming.delete(type);
      return { jobs: batch.jobs, spec: batch.spec };
    }
    return undefined;
  }

  /** Drops a claim that was canceled or whose lease was lost before its batch started. */
  remove(claim: { id: JobId; attempt: number }): boolean {
    for (const batch of [...this.full, ...this.forming.values()]) {
      const i = batch.jobs.findIndex((job) => job.id === claim.id && job.attempt === claim.attempt);
      if (i === -1) continue;
      batch.jobs.splice(i, 1);
      if (batch.jobs.length === 0) this.discard(batch);
      return true;
    }
    return false;
  }

  /** Empties the assembler, returning what it held (to hand back to the store). */
  drain(): ClaimedJob[] {
    const jobs = this.held();
    for (const batch of this.forming.values()) clearTimeout(batch.timer);
    this.forming.clear();
    this.full.length = 0;
    return jobs;
  }

  /** The jobs held, in batches forming or full. */
  held(): ClaimedJob[] {
    return [...this.full, ...this.forming.values()].flatMap((batch) => batch.jobs);
  }

  private startForming(type: string, spec: BatchSpec): Forming {
    // Even at maxWaitMs 0 the batch is due only after this turn of the event loop, so the
    // jobs the worker is handing over right now still join it.
    const timer = setTimeout(() => {
      batch.due = true;
      this.onDue();
    }, spec.maxWaitMs);
    const batch: Forming = { jobs: [], spec, timer, due: false };
    this.forming.set(type, batch);
    return batch;
  }

  private discard(batch: Batch): void {
    const i = this.full.indexOf(batch);
    if (i !== -1) this.full.splice(i, 1);
    for (const [type, forming] of this.forming) {
      if (forming !== batch) continue;
      clearTimeout(forming.timer);
      this.forming.delete(type);
    }
  }
}
