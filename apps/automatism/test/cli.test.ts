import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AutomatismProcess, clearRetained, writeConfig } from "./harness";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

describe("coreflux-automatism CLI", () => {
  it("prints its version and a help naming every option", () => {
    expect(run("--version").stdout).toBe(`${pkg.version}\n`);
    const help = run("--help").stdout;
    for (const option of ["--config", "--check", "--help", "--version"])
      expect(help).toContain(option);
    expect(pkg.bin).toEqual({ "coreflux-automatism": "./dist/cli.js" });
  });

  it("--check: 0 for the system's config, 2 naming file:line:key for a typo in a rule or a zone the engine refuses", () => {
    const ok = writeConfig(
      '[company]\ntopic = "C/#"\n[history]\nperiod_minutes = 15\n[automatism]\nenabled = true\n[[automatism.rules]]\nname = "night"\nwindows = ["20:30-08:30"]\n',
    );
    expect(run("--config", ok.path, "--check").status).toBe(0);
    const typo = writeConfig(
      '[company]\ntopic = "C/#"\n[automatism]\n[[automatism.rules]]\nname = "n"\nwindows = ["20:30-08:30"]\ndayz = ["mon"]\n',
    );
    const r = run("--config", typo.path, "--check");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${typo.path}:7: automatism.rules[0].dayz: unknown key`);
    const window = writeConfig(
      '[company]\ntopic = "C/#"\n[[automatism.rules]]\nname = "n"\nwindows = ["25:00-08:30"]\n',
    );
    expect(run("--config", window.path, "--check").status).toBe(2);
  });

  it("without enabled = true it runs, says it is disabled, sends nothing, and stops with 0 on SIGTERM", async () => {
    const { path, dir } = writeConfig("");
    writeFileSync(
      path,
      `[company]\ntopic = "CliOff${process.pid}/#"\n[mqtt]\nurl = "mqtt://127.0.0.1:1883"\n[log]\nformat = "json"\n[automatism]\nclient_id = "cli-off-${process.pid}"\nstate_path = "${dir}/state.json"\n`,
    );
    const p = new AutomatismProcess(path);
    await p.waitForLog((l) => typeof l.msg === "string" && l.msg.includes("enabled is not true"));
    await p.waitForLog((l) => l.msg === "connected");
    const exit = await p.stop();
    expect(exit.code).toBe(0);
    await clearRetained(`CliOff${process.pid}/automatism/status`);
  });
});
