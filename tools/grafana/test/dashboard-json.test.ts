import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Panel } from "@grafana/schema";
import { describe, expect, it } from "vitest";
import { buildDashboard, DASHBOARD_FILE, DATASOURCE_UID, dashboardJson } from "../src";

const deploy = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../../../deploy/grafana/${path}`, import.meta.url)), "utf8");

describe("deploy/grafana", () => {
  it("the committed dashboard JSON is what the typed builder writes (run `pnpm write`)", () => {
    expect(readFileSync(DASHBOARD_FILE, "utf8")).toBe(dashboardJson());
  });

  it("every panel has one raw-SQL MySQL target on the $datasource variable, and a unique id", () => {
    const dashboard = buildDashboard();
    const panels = (dashboard.panels ?? []) as Panel[];
    expect(panels.map((p) => p.title)).toEqual([
      "Power now",
      "Today",
      "This month",
      "Energy per hour",
      "Energy per day by $group_by",
      "Top devices",
      "Devices online",
      "Peak power by $group_by",
    ]);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.datasource).toEqual({ type: "mysql", uid: "${datasource}" });
      expect(p.targets).toHaveLength(1);
      expect(p.targets?.[0]).toMatchObject({ rawQuery: true, editorMode: "code" });
      expect(String(p.targets?.[0]?.rawSql)).toMatch(/^SELECT /);
    }
    const variables = dashboard.templating?.list ?? [];
    expect(variables.map((v) => v.name)).toEqual([
      "datasource",
      "company",
      "office",
      "room",
      "group_by",
    ]);
    expect(variables[0]?.current?.value).toBe(DATASOURCE_UID);
  });

  it("the provisioning files name the same datasource uid and the dashboards folder", () => {
    const datasource = deploy("provisioning/datasources/coreflux-mariadb.yaml");
    expect(datasource).toMatch(new RegExp(`^\\s+uid: ${DATASOURCE_UID}$`, "m"));
    expect(datasource).toMatch(/^\s+type: mysql$/m);
    expect(datasource).toMatch(/^\s+timezone: "\+00:00"$/m);
    const provider = deploy("provisioning/dashboards/coreflux.yaml");
    expect(provider).toMatch(/^\s+type: file$/m);
  });
});
