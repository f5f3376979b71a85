import { describe, expect, it } from "vitest";
import { GroupedJobsProbe } from "../../src/store/grouped-jobs-probe.js";

const claim = { queues: ["default"], limit: 10 };

describe("GroupedJobsProbe", () => {
  it("looks up once per interval and answers from memory meanwhile", async () => {
    let lookUps = 0;
    const probe = new GroupedJobsProbe(async () => (lookUps++, false));
    expect(probe.known(claim)).toBeUndefined();
    expect(await probe.worthLooking(claim)).toBe(false);
    expect(probe.known(claim)).toBe(false);
    expect(await probe.worthLooking(claim)).toBe(false);
    expect(lookUps).toBe(1);
  });

  it("does not keep an answer looked up across an insert of grouped jobs", async () => {
    let answer: (waiting: boolean) => void = () => {};
    const probe = new GroupedJobsProbe(() => new Promise((resolve) => (answer = resolve)));
    const looking = probe.worthLooking(claim);
    await probe.afterInsert([{ groupKey: "g" }], Promise.resolve());
    answer(false); // read before the insert committed
    expect(await looking).toBe(false);
    expect(probe.known(claim)).toBeUndefined(); // the next claim looks again
  });

  it("says no without looking for a claim that may take no grouped job", () => {
    const probe = new GroupedJobsProbe(async () => true);
    expect(probe.known({ ...claim, restrictedLimit: 0 })).toBe(false);
  });
});
