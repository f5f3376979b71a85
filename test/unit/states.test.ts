import { describe, expect, it } from "vitest";
import { JOB_STATES, failureEvent, isTerminal, nextState, visibleState } from "../../src/core/states.js";

describe("job state transitions", () => {
  it("follows the lifecycle table", () => {
    expect(nextState("new", "enqueue_now")).toBe("pending");
    expect(nextState("new", "enqueue_later")).toBe("scheduled");
    expect(nextState("new", "enqueue_claimed")).toBe("running");
    expect(nextState("pending", "enqueue_claimed")).toBeNull();
    expect(nextState("scheduled", "run_time_arrived")).toBe("pending");
    expect(nextState("retrying", "run_time_arrived")).toBe("pending");
    expect(nextState("pending", "claim")).toBe("running");
    expect(nextState("running", "handler_returned")).toBe("completed");
    expect(nextState("running", "handler_threw_with_attempts_left")).toBe("retrying");
    expect(nextState("running", "lease_expired_with_attempts_left")).toBe("retrying");
    expect(nextState("running", "permanent_failure_or_no_attempts_left")).toBe("failed");
    expect(nextState("running", "snooze")).toBe("scheduled");
    expect(nextState("failed", "replay")).toBe("pending");
    expect(nextState("canceled", "replay")).toBe("pending");
    expect(nextState("canceled", "replay_waiting")).toBe("blocked");
  });

  it("refuses moves the table does not allow", () => {
    expect(nextState("completed", "cancel")).toBeNull();
    expect(nextState("completed", "replay")).toBeNull();
    expect(nextState("pending", "handler_returned")).toBeNull();
    expect(nextState("running", "claim")).toBeNull();
    expect(nextState("failed", "claim")).toBeNull();
  });

  it("lets every non-terminal state be canceled, and no terminal one", () => {
    for (const state of JOB_STATES) {
      expect(nextState(state, "cancel") === "canceled").toBe(!isTerminal(state));
    }
  });

  it("chooses retry or dead-letter by attempts and permanence", () => {
    expect(failureEvent({ attempt: 1, maxAttempts: 3, permanent: false })).toBe("handler_threw_with_attempts_left");
    expect(failureEvent({ attempt: 3, maxAttempts: 3, permanent: false })).toBe("permanent_failure_or_no_attempts_left");
    expect(failureEvent({ attempt: 1, maxAttempts: 3, permanent: true })).toBe("permanent_failure_or_no_attempts_left");
  });

  it("shows a waiting job whose time has come as pending", () => {
    expect(visibleState("scheduled", 1000, 999)).toBe("scheduled");
    expect(visibleState("scheduled", 1000, 1000)).toBe("pending");
    expect(visibleState("retrying", 1000, 2000)).toBe("pending");
    expect(visibleState("running", 1000, 2000)).toBe("running");
  });
});
