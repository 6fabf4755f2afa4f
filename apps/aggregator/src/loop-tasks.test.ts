import { existsSync } from "node:fs";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { LoopTasks } from "./loop-tasks";

const value = (text: string, line: string) =>
  Number(
    text
      .split("\n")
      .find((l) => l.startsWith(line))
      ?.split(" ")
      .pop(),
  );

describe("LoopTasks", () => {
  it("measures each run of a task, exposes the longest since the previous scrape, and counts failures too", async () => {
    const registry = new Registry();
    const tasks = new LoopTasks(registry);
    expect(tasks.time("settle", () => 42)).toBe(42);
    tasks.observe("state_capture", 0.012);
    tasks.observe("state_capture", 0.03);
    tasks.observe("state_capture", 0.004);
    expect(() =>
      tasks.time("publish_cycle", () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    const first = await registry.metrics();
    expect(value(first, 'coreflux_event_loop_task_max_seconds{task="state_capture"}')).toBe(0.03);
    expect(value(first, 'coreflux_event_loop_task_seconds_count{task="state_capture"}')).toBe(3);
    // Two of the three took at most 20 ms; the 30 ms one is above that bucket.
    expect(
      value(first, 'coreflux_event_loop_task_seconds_bucket{le="0.02",task="state_capture"}'),
    ).toBe(2);
    expect(value(first, 'coreflux_event_loop_task_seconds_count{task="publish_cycle"}')).toBe(1);
    expect(value(first, 'coreflux_event_loop_task_seconds_count{task="settle"}')).toBe(1);
    expect(value(first, 'coreflux_event_loop_task_max_seconds{task="publish_slice"}')).toBe(0);
    // The longest is per scrape; the histogram keeps counting.
    tasks.observe("state_capture", 0.001);
    const second = await registry.metrics();
    expect(value(second, 'coreflux_event_loop_task_max_seconds{task="state_capture"}')).toBe(0.001);
    expect(value(second, 'coreflux_event_loop_task_seconds_count{task="state_capture"}')).toBe(4);
  });

  it.skipIf(!existsSync("/proc/thread-self/schedstat"))(
    "tells a task's time on a CPU from its time blocked or waiting (Linux)",
    async () => {
      const registry = new Registry();
      const tasks = new LoopTasks(registry);
      const cell = new Int32Array(new SharedArrayBuffer(4));
      // Blocked for 60 ms without running, then busy for 60 ms.
      tasks.time("settle", () => Atomics.wait(cell, 0, 0, 60));
      tasks.time("publish_cycle", () => {
        const endMs = performance.now() + 60;
        while (performance.now() < endMs);
      });
      const text = await registry.metrics();
      const running = (task: string) =>
        value(text, `coreflux_event_loop_task_running_max_seconds{task="${task}"}`);
      expect(value(text, 'coreflux_event_loop_task_max_seconds{task="settle"}')).toBeGreaterThan(
        0.055,
      );
      expect(running("settle")).toBeLessThan(0.02);
      expect(running("publish_cycle")).toBeGreaterThan(0.015);
      expect(running("state_capture")).toBe(0);
    },
  );

  it("has no running-time metric without a thread clock", async () => {
    const registry = new Registry();
    new LoopTasks(registry, null).time("settle", () => undefined);
    expect(await registry.metrics()).not.toContain("running_max_seconds");
  });
});
