import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const unit = fileURLToPath(new URL("../deploy/coreflux-aggregator.service", import.meta.url));

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
});
