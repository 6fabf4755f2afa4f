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
});
