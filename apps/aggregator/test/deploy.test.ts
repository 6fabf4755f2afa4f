import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const unit = fileURLToPath(new URL("../deploy/coreflux-aggregator.service", import.meta.url));

/** The system calls a `SystemCallFilter=` name stands for (`@group`s through systemd's own lists). */
function syscallsOf(name: string, seen = new Set<string>()): string[] {
  if (!name.startsWith("@")) return [name];
  if (seen.has(name)) return [];
  seen.add(name);
  const run = spawnSync("systemd-analyze", ["syscall-filter", name], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`systemd-analyze syscall-filter ${name}: ${run.stderr}`);
  return run.stdout
    .split("\n")
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .flatMap((entry) => syscallsOf(entry, seen));
}

/**
 * The system calls a unit's `SystemCallFilter=` lines allow, as systemd reads them when the
 * first is an allow list: each later line with `~` takes its calls out, each without puts them in.
 */
function allowedSyscalls(text: string): Set<string> {
  const lines = [...text.matchAll(/^SystemCallFilter=(.*)$/gm)].map((m) => m[1]!.trim());
  expect(lines[0]?.startsWith("~")).toBe(false);
  const allowed = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const deny = line.startsWith("~");
    const names = (deny ? line.slice(1) : line).split(/\s+/).filter(Boolean);
    for (const call of names.flatMap((name) => syscallsOf(name))) {
      if (deny && i > 0) allowed.delete(call);
      else allowed.add(call);
    }
  }
  return allowed;
}

describe("deploy/coreflux-aggregator.service", () => {
  it("passes systemd-analyze verify without a single warning", () => {
    const run = spawnSync("systemd-analyze", ["verify", unit], { encoding: "utf8" });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("is hardened and keeps secrets out of the unit", () => {
    const text = readFileSync(unit, "utf8");
    for (const line of [
      "DynamicUser=yes",
      "StateDirectory=coreflux-aggregator",
      "Restart=on-failure",
      "RestartPreventExitStatus=2",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "CapabilityBoundingSet=",
      "UMask=0077",
      "EnvironmentFile=-/etc/coreflux-aggregator/credentials.env",
    ]) {
      expect(text).toContain(`\n${line}\n`);
    }
    expect(text).not.toMatch(/PASSWORD=|password=/);
  });

  it("lets the service lower its threads' priority, and fails a filtered call rather than kill", () => {
    const text = readFileSync(unit, "utf8");
    const allowed = allowedSyscalls(text);
    // thread-priority.ts: getpriority, then setpriority on V8's helpers and the writer's thread.
    expect(allowed.has("getpriority")).toBe(true);
    expect(allowed.has("setpriority")).toBe(true);
    // The rest of @privileged and @resources stays out.
    for (const call of ["setrlimit", "sched_setaffinity", "reboot", "init_module"])
      expect(allowed.has(call)).toBe(false);
    expect(text).toContain("\nSystemCallErrorNumber=EPERM\n");
  });
});
