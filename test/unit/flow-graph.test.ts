import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/core/errors.js";
import { flowFromStored, flowState } from "../../src/core/flow.js";
import { orderFlowNodes } from "../../src/core/flow-graph.js";
import { nextState } from "../../src/core/states.js";
import type { Job } from "../../src/core/job.js";

const rejection = (nodes: Record<string, { after?: string[] }>) => {
  try {
    orderFlowNodes(nodes);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return { field: (error as ValidationError).field, detail: (error as ValidationError).detail };
  }
  throw new Error("expected a ValidationError");
};

describe("orderFlowNodes", () => {
  it("orders the video pipeline parents first, ties in the caller's order", () => {
    const order = orderFlowNodes({
      notify: { after: ["encode", "resize", "transcribe"] },
      resize: { after: ["thumbnail"] },
      upload: {},
      encode: { after: ["upload"] },
      thumbnail: { after: ["upload"] },
      transcribe: { after: ["upload"] },
    });
    expect(order).toEqual(["upload", "encode", "thumbnail", "transcribe", "resize", "notify"]);
  });

  it("rejects a reference to a node that does not exist, naming the node and position", () => {
    expect(rejection({ a: {}, b: { after: ["a", "ghost"] } })).toEqual({
      field: "nodes.b.after[1]",
      detail: 'names no node of this flow: "ghost"',
    });
    expect(rejection({ a: { after: [7 as unknown as string] } }).field).toBe("nodes.a.after[0]");
  });

  it("rejects cycles, naming a node on the loop and the loop itself", () => {
    expect(rejection({ a: { after: ["a"] } })).toEqual({ field: "nodes.a.after", detail: "forms a cycle: a → a" });
    const { field, detail } = rejection({ root: {}, a: { after: ["root", "c"] }, b: { after: ["a"] }, c: { after: ["b"] }, tail: { after: ["c"] } });
    expect(field).toMatch(/^nodes\.(a|b|c)\.after$/);
    expect(detail).toMatch(/^forms a cycle: (\w) → (\w) → (\w) → \1$/);
  });

  it("rejects repeated parents, bad names, bad shapes and empty graphs", () => {
    expect(rejection({ a: {}, b: { after: ["a", "a"] } })).toEqual({ field: "nodes.b.after[1]", detail: 'repeats "a"' });
    expect(rejection({ "bad name": {} }).field).toBe("nodes.bad name");
    expect(rejection({ a: { after: "x" as unknown as string[] } }).field).toBe("nodes.a.after");
    expect(rejection({}).field).toBe("nodes");
    expect(rejection({ a: { onParentFailure: "explode" } as never }).field).toBe("nodes.a.onParentFailure");
  });
});

describe("blocked jobs", () => {
  it("are released once their parents ended, can be canceled, and are never claimed", () => {
    expect(nextState("blocked", "parents_completed")).toBe("pending");
    expect(nextState("blocked", "cancel")).toBe("canceled");
    expect(nextState("blocked", "claim")).toBeNull();
    expect(nextState("pending", "parents_completed")).toBeNull();
  });
});

describe("flowState", () => {
  const of = (...states: Job["state"][]) => flowState(states.map((state) => ({ state })));
  it("is running until every node ended, then completed, failed or canceled", () => {
    expect(of("completed", "blocked")).toBe("running");
    expect(of("completed", "running")).toBe("running");
    expect(of("completed", "completed")).toBe("completed");
    expect(of("completed", "failed", "canceled")).toBe("failed");
    expect(of("completed", "canceled")).toBe("canceled");
  });

  it("counts the failed or canceled nodes retention deleted while it kept others", () => {
    const after = (deleted: { failed: boolean; canceled: boolean }, ...states: Job["state"][]) => flowState(states.map((state) => ({ state })), deleted);
    expect(after({ failed: true, canceled: false }, "completed")).toBe("failed");
    expect(after({ failed: false, canceled: true }, "completed")).toBe("canceled");
    expect(after({ failed: false, canceled: true }, "completed", "failed")).toBe("failed");
    expect(after({ failed: true, canceled: false }, "completed", "running")).toBe("running");
  });

  it("names nodes and their parents from the stored jobs and edges", () => {
    const job = (id: string, flowNode: string, state: Job["state"]) => ({ id, flowNode, state }) as Job;
    const flow = flowFromStored({
      id: "1",
      createdAt: new Date(0),
      deletedNodes: { failed: false, canceled: false },
      jobs: [job("10", "a", "completed"), job("11", "b", "completed"), job("12", "c", "pending")],
      dependencies: [{ parentId: "10", childId: "12" }, { parentId: "11", childId: "12" }],
    });
    expect(Object.keys(flow.nodes)).toEqual(["a", "b", "c"]);
    expect(flow.nodes.c!.after).toEqual(["a", "b"]);
    expect(flow.state).toBe("running");
  });
});
