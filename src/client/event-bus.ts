import { ValidationError } from "../core/errors.js";
import { JOB_EVENT_NAMES, type JobEventListener, type JobEventMap, type JobEventName } from "../core/events.js";

/** A typed, synchronous event emitter. A throwing listener is reported, never propagated into a job. */
export class JobEventBus {
  private readonly listeners = new Map<JobEventName, Set<(event: never) => void>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  on<K extends JobEventName>(name: K, listener: JobEventListener<K>): () => void {
    // Refused here rather than never heard from (a misspelt name) or failing at every event (not a function).
    if (!JOB_EVENT_NAMES.includes(name)) throw new ValidationError("name", `must be one of ${JOB_EVENT_NAMES.join(", ")}`);
    if (typeof listener !== "function") throw new ValidationError("listener", "must be a function");
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  /** Whether anyone listens; lets hot paths skip building an event nobody reads. */
  has(name: JobEventName): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0;
  }

  emit<K extends JobEventName>(name: K, event: JobEventMap[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as JobEventListener<K>)(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
