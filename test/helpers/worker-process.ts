import { spawn, type ChildProcess } from "node:child_process";
import { afterEach } from "vitest";

const fixturePath = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;
const started = new Set<ChildProcess>();

afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  started.clear();
});

/** Starts test/fixtures/worker-process.mjs (or another fixture) and resolves once it prints "ready". */
export async function startWorkerProcess(env: Record<string, string>, fixture = "worker-process.mjs"): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixturePath(fixture)], {
    env: { ...process.env, ERRAND_LOG_LEVEL: "error", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  started.add(child);
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`worker process exited early with ${code}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
  });
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}
