import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { getPriority } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import {
  currentThreadId,
  HELPER_NICE_STEPS,
  lowersHelperThreads,
  lowerThreadPriority,
} from "./thread-priority";

const linux = process.platform === "linux";
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** A node process that idles (its main thread's id is its pid), at this process's priority. */
function idleProcess(): number {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], {
    stdio: "ignore",
  });
  children.push(child);
  if (child.pid === undefined) throw new Error("could not start node");
  return child.pid;
}

describe.runIf(linux)("thread priority (Linux)", () => {
  it("names the calling thread by its kernel id", () => {
    const id = currentThreadId();
    expect(id).toBeGreaterThan(0);
    expect(existsSync(`/proc/${process.pid}/task/${id}`)).toBe(true);
  });

  it("lowers a thread's priority by steps from where it is, down to nice 19", () => {
    const pid = idleProcess();
    const start = getPriority(pid);
    expect(lowerThreadPriority(pid, 3)).toBe(true);
    expect(getPriority(pid)).toBe(Math.min(19, start + 3));
    expect(lowerThreadPriority(pid)).toBe(true);
    expect(getPriority(pid)).toBe(Math.min(19, start + 3 + HELPER_NICE_STEPS));
    expect(lowerThreadPriority(pid, 40)).toBe(true);
    expect(getPriority(pid)).toBe(19);
  });

  it("reports a thread it cannot lower instead of throwing", () => {
    // Linux's largest thread id is 4,194,304: this one never exists.
    expect(lowerThreadPriority(2 ** 22 + 1)).toBe(false);
  });
});

describe("whether V8's helper threads are lowered", () => {
  it("lowers them unless the process was started with concurrent marking off", () => {
    expect(lowersHelperThreads([])).toBe(true);
    expect(lowersHelperThreads(["--enable-source-maps", "--concurrent-marking"])).toBe(true);
    // Options that only look alike do not turn it off.
    expect(lowersHelperThreads(["--no-concurrent-marking-ish"])).toBe(true);
    expect(lowersHelperThreads(["--no-concurrent-marking"])).toBe(false);
    expect(lowersHelperThreads(["--max-old-space-size=512", "--no_concurrent_marking"])).toBe(
      false,
    );
  });
});
