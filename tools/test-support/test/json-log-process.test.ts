import { describe, expect, it } from "vitest";
import { JsonLogProcess } from "../src/index";

/** A child Node process running `source`. */
function node(source: string, env: Record<string, string> = {}): JsonLogProcess {
  return new JsonLogProcess(process.execPath, ["-e", source], { env });
}

describe("JsonLogProcess", () => {
  it("parses JSON lines split across chunks, keeps other lines raw, and reads to the end", async () => {
    const child = node(`
      process.stdout.write('{"msg":"a","n":1}\\n{"msg":');
      setTimeout(() => {
        process.stdout.write('"b"}\\nnot json\\n[1,2]\\n');
        process.stderr.write("to stderr\\n");
        process.stdout.write('{"msg":"last, no newline"}');
      }, 50);
    `);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.lines).toEqual([
      { msg: "a", n: 1 },
      { msg: "b" },
      { raw: "not json" },
      { raw: "[1,2]" },
      { msg: "last, no newline" },
    ]);
    expect(child.linesWith(/^last/)).toHaveLength(1);
    expect(child.output).toContain("to stderr");
    expect(child.running).toBe(false);
  });

  it("waitForLog resolves with the line, passes the environment, and fails fast once the process is gone", async () => {
    const child = node(
      `console.log(JSON.stringify({ msg: "ready", value: process.env.TEST_VALUE }));
       setTimeout(() => console.log(JSON.stringify({ msg: "late" })), 100);`,
      { TEST_VALUE: "from-env" },
    );
    expect(await child.waitForLog((l) => l.msg === "ready")).toEqual({
      msg: "ready",
      value: "from-env",
    });
    await child.waitForLog((l) => l.msg === "late");
    const started = Date.now();
    await expect(child.waitForLog((l) => l.msg === "never", 20_000)).rejects.toThrow(
      /the process exited; output:/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("stop() sends SIGTERM and escalates to SIGKILL after the grace period", async () => {
    const polite = node(`setInterval(() => {}, 1000); console.log("{}");`);
    await polite.waitForLog(() => true);
    expect(await polite.stop()).toEqual({ code: null, signal: "SIGTERM" });

    const stubborn = node(
      `process.on("SIGTERM", () => {}); setInterval(() => {}, 1000); console.log("{}");`,
    );
    await stubborn.waitForLog(() => true);
    expect(await stubborn.stop(200)).toEqual({ code: null, signal: "SIGKILL" });
    expect(await stubborn.stop()).toEqual({ code: null, signal: "SIGKILL" });
  });
});
