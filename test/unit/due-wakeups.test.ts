import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { DueWakeups } from "../../src/worker/due-wakeups.js";

beforeEach(() => void vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
afterEach(() => void vi.useRealTimers());

it("wakes once per due time, in time order whatever the order added, and at once for a time not ahead", () => {
  let wakes = 0;
  const due = new DueWakeups(() => wakes++);
  due.add(300);
  due.add(100);
  due.add(200);
  due.add(100);
  due.add(0);
  expect(wakes).toBe(1);
  vi.advanceTimersByTime(99);
  expect(wakes).toBe(1);
  vi.advanceTimersByTime(3); // both jobs due at 100 wake the loop once: one claim takes both
  expect(wakes).toBe(2);
  vi.advanceTimersByTime(100);
  expect(wakes).toBe(3);
  due.add(50); // earlier than the one armed: rearmed for it
  vi.advanceTimersByTime(52);
  expect(wakes).toBe(4);
  vi.advanceTimersByTime(60);
  expect(wakes).toBe(5);
  vi.advanceTimersByTime(10_000);
  expect(wakes).toBe(5);
});

it("keeps the earliest times when flooded, and nothing after stop", () => {
  let wakes = 0;
  const due = new DueWakeups(() => wakes++);
  for (let i = 25_000; i >= 1; i--) due.add(i * 10);
  vi.advanceTimersByTime(10 * 100 + 2);
  expect(wakes).toBe(100);
  due.stop();
  due.add(5);
  due.stop();
  vi.advanceTimersByTime(1_000_000);
  expect(wakes).toBe(100);
});

it("waits out a time past what one timer can hold (24.8 days) without waking before it", () => {
  let wakes = 0;
  const due = new DueWakeups(() => wakes++);
  const thirtyDays = 30 * 86_400_000;
  due.add(thirtyDays);
  vi.advanceTimersByTime(10);
  expect(wakes).toBe(0); // Node cut a longer timer to 1 ms: it woke a thousand times a second
  vi.advanceTimersByTime(thirtyDays - 1_000);
  expect(wakes).toBe(0);
  vi.advanceTimersByTime(2_000);
  expect(wakes).toBe(1);
  due.stop();
});
