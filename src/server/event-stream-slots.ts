import { HttpError } from "./http-error.js";

/**
 * Seconds a refused viewer is asked to wait. A place frees when another stream's job ends or
 * its viewer leaves, which nothing here can predict; a few seconds keeps retries from
 * hammering a full server without leaving a viewer waiting long once one does.
 */
const RETRY_AFTER_SECONDS = 5;

/**
 * The server's places for job event streams. Each open stream holds a connection, a response
 * buffer and a watched job for as long as its job runs (hours, for some), so without a cap a
 * crowd of viewers, or one client that never closes its streams, could exhaust the process.
 * A place is taken before the route's first await, so concurrent requests cannot all pass the
 * check and overshoot the cap.
 */
export class EventStreamSlots {
  private taken = 0;

  constructor(private readonly max: number) {}

  /** Takes a place and returns its release (idempotent); at the cap, throws the 503 to answer with. */
  take(): () => void {
    if (this.taken >= this.max)
      throw new HttpError(
        503,
        "too_many_event_streams",
        `this server already has ${this.max} event stream${this.max === 1 ? "" : "s"} open, the most it keeps; try again after ${RETRY_AFTER_SECONDS} seconds, or read the job with GET /v1/jobs/:id`,
        undefined,
        { "retry-after": String(RETRY_AFTER_SECONDS) },
      );
    this.taken++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.taken--;
    };
  }
}
