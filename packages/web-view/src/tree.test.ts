import { describe, expect, it } from "vitest";
import type { ApiNode } from "./api";
import {
  childrenGlob,
  expandablePaths,
  findNode,
  initialExpanded,
  matchesFilter,
  type TreeRow,
  type ViewState,
  visibleRows,
} from "./tree";

const zero = { online: 0, stale: 0, offline: 0 };

function node(path: string, fields: Partial<ApiNode> = {}): ApiNode {
  const name = path === "" ? "Coreflux" : path.split("/").pop()!;
  return {
    path,
    name,
    level: (["company", "office", "room", "device"] as const)[
      path === "" ? 0 : path.split("/").length
    ]!,
    energyWh: 0,
    returnedEnergyWh: 0,
    powerW: 0,
    energyThisHourWh: 0,
    energyTodayWh: 0,
    energyThisMonthWh: 0,
    state: zero,
    children: [],
    ...fields,
  };
}

const fridge = node("Porto/Kitchen/Fridge", {
  powerW: 90,
  energyTodayWh: 5,
  channels: [
    { id: "switch:1", powerW: 10, energyWh: 1, state: "online" },
    { id: "switch:0", powerW: 80, energyWh: 2, state: "online" },
  ],
});
const kettle = node("Porto/Kitchen/Kettle", { powerW: 2000, energyTodayWh: 50 });
const kitchen = node("Porto/Kitchen", { powerW: 2090, children: [kettle, fridge] });
const lab = node("Porto/Lab", { powerW: 10, children: [node("Porto/Lab/Escritório PC")] });
const porto = node("Porto", { powerW: 2100, children: [lab, kitchen] });
const lisboa = node("Lisboa", {
  powerW: 5000,
  state: { online: 1, stale: 0, offline: 2 },
  children: [node("Lisboa/Kitchen", { children: [node("Lisboa/Kitchen/Oven")] })],
});
const root = node("", { children: [porto, lisboa] });

const keys = (rows: TreeRow[]) => rows.map((r) => `${"  ".repeat(r.depth)}${r.key}`);

function view(partial: Partial<ViewState> = {}): ViewState {
  return {
    expanded: new Set(["", "Porto", "Lisboa"]),
    sort: { key: "name", descending: false },
    filter: "",
    ...partial,
  };
}

describe("visibleRows", () => {
  it("shows expanded nodes' children, sorted by name, with depths", () => {
    expect(keys(visibleRows(root, view()))).toEqual([
      "",
      "  Lisboa",
      "    Lisboa/Kitchen",
      "  Porto",
      "    Porto/Kitchen",
      "    Porto/Lab",
    ]);
  });

  it("shows nothing without a tree", () => {
    expect(visibleRows(null, view())).toEqual([]);
  });

  it("marks what can be expanded and what is", () => {
    const rows = visibleRows(root, view());
    const kitchenRow = rows.find((r) => r.key === "Porto/Kitchen");
    expect(kitchenRow).toMatchObject({ kind: "node", expandable: true, expanded: false });
    const portoRow = rows.find((r) => r.key === "Porto");
    expect(portoRow).toMatchObject({ expandable: true, expanded: true, forced: false });
  });

  it("sorts siblings by a number column, descending, and keeps the tree shape", () => {
    const rows = visibleRows(
      root,
      view({
        expanded: new Set(["", "Porto", "Porto/Kitchen"]),
        sort: { key: "powerW", descending: true },
      }),
    );
    expect(keys(rows)).toEqual([
      "",
      "  Lisboa",
      "  Porto",
      "    Porto/Kitchen",
      "      Porto/Kitchen/Kettle",
      "      Porto/Kitchen/Fridge",
      "    Porto/Lab",
    ]);
  });

  it("sorts by state with offline devices first when descending", () => {
    const rows = visibleRows(
      root,
      view({ expanded: new Set([""]), sort: { key: "state", descending: true } }),
    );
    expect(keys(rows)).toEqual(["", "  Lisboa", "  Porto"]);
    const asc = visibleRows(
      root,
      view({ expanded: new Set([""]), sort: { key: "state", descending: false } }),
    );
    expect(keys(asc)).toEqual(["", "  Porto", "  Lisboa"]);
  });

  it("shows a device's channels as sub-rows when it is expanded", () => {
    const rows = visibleRows(
      root,
      view({ expanded: new Set(["", "Porto", "Porto/Kitchen", "Porto/Kitchen/Fridge"]) }),
    );
    const i = rows.findIndex((r) => r.key === "Porto/Kitchen/Fridge");
    expect(rows.slice(i + 1, i + 3).map((r) => [r.kind, r.key, r.depth])).toEqual([
      ["channel", "Porto/Kitchen/Fridge#switch:0", 4],
      ["channel", "Porto/Kitchen/Fridge#switch:1", 4],
    ]);
    const byPower = visibleRows(
      root,
      view({
        expanded: new Set(["", "Porto", "Porto/Kitchen", "Porto/Kitchen/Fridge"]),
        sort: { key: "powerW", descending: false },
      }),
    );
    const j = byPower.findIndex((r) => r.key === "Porto/Kitchen/Fridge");
    expect(byPower[j + 1]?.key).toBe("Porto/Kitchen/Fridge#switch:1");
  });

  it("filters by name: matches with the way to them, opened by the filter", () => {
    const rows = visibleRows(root, view({ expanded: new Set([""]), filter: "kett" }));
    expect(keys(rows)).toEqual(["", "  Porto", "    Porto/Kitchen", "      Porto/Kitchen/Kettle"]);
    expect(rows.slice(0, 3).every((r) => r.kind === "node" && r.forced && r.expanded)).toBe(true);
    expect(rows[3]).toMatchObject({ forced: false, expanded: false });
  });

  it("keeps a matching node's own expansion for what is below it", () => {
    const collapsed = visibleRows(root, view({ filter: "kitchen" }));
    expect(keys(collapsed)).toEqual([
      "",
      "  Lisboa",
      "    Lisboa/Kitchen",
      "  Porto",
      "    Porto/Kitchen",
    ]);
    const open = visibleRows(
      root,
      view({ filter: "KITCHEN", expanded: new Set(["Porto/Kitchen"]) }),
    );
    expect(keys(open)).toContain("      Porto/Kitchen/Fridge");
    expect(keys(open)).not.toContain("      Lisboa/Kitchen/Oven");
  });

  it("ignores accents and case, and shows nothing when nothing matches", () => {
    expect(matchesFilter("Escritório PC", "escritorio")).toBe(true);
    expect(keys(visibleRows(root, view({ filter: "ESCRITORIO" })))).toEqual([
      "",
      "  Porto",
      "    Porto/Lab",
      "      Porto/Lab/Escritório PC",
    ]);
    expect(visibleRows(root, view({ filter: "nothing like it" }))).toEqual([]);
    expect(keys(visibleRows(root, view({ filter: "   " })))).toHaveLength(6);
  });
});

describe("helpers", () => {
  it("finds nodes by path", () => {
    expect(findNode(root, "")).toBe(root);
    expect(findNode(root, "Porto/Kitchen/Fridge")).toBe(fridge);
    expect(findNode(root, "Porto/Kit")).toBeUndefined();
    expect(findNode(null, "")).toBeUndefined();
  });

  it("lists expandable paths and the first expansion", () => {
    expect(expandablePaths(root)).toEqual([
      "",
      "Porto",
      "Porto/Lab",
      "Porto/Kitchen",
      "Porto/Kitchen/Fridge",
      "Lisboa",
      "Lisboa/Kitchen",
    ]);
    expect([...initialExpanded(root)]).toEqual(["", "Porto", "Lisboa"]);
  });

  it("names the history glob of a node's children", () => {
    expect(childrenGlob(root)).toBe("*");
    expect(childrenGlob(porto)).toBe("Porto/*");
    expect(childrenGlob(fridge)).toBe("Porto/Kitchen/Fridge");
  });
});
