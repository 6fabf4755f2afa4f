import type { ShellyIgnoredReason } from "../ignored-reasons";
import { type ComponentKey, parseComponentKey } from "./component-key";
import { COMPONENTS, type ComponentSpec } from "./components";

/** What a Gen1 scalar topic measures, in the unit its payload is in. */
export type Gen1Quantity =
  | "powerW"
  | "energyWmin"
  | "energyWh"
  | "returnedEnergyWh"
  | "reactivePowerVAr"
  | "voltageV"
  | "currentA"
  | "powerFactor";

/** Where a topic leads, decided from the topic alone (before the payload is looked at). */
export type Route =
  | { type: "status"; prefix: string; key: ComponentKey; spec: ComponentSpec }
  | { type: "sys"; prefix: string }
  | { type: "notification"; prefix: string }
  | { type: "rpc"; prefix: string }
  | { type: "online"; prefix: string; generation: 1 | 2 }
  | {
      type: "ignored";
      prefix: string;
      generation: 1 | 2;
      reason: ShellyIgnoredReason;
      component?: string;
    }
  | { type: "announce"; prefix: string | undefined }
  | { type: "gen1-value"; prefix: string; component: string; quantity: Gen1Quantity }
  | { type: "gen1-state"; prefix: string; component: string }
  | { type: "gen1-temperature"; prefix: string };

const GEN1_ROOT = "shellies/";
/** Gen1 channel index: 0-999 without leading zeros. */
const GEN1_INDEX = /^(?:0|[1-9][0-9]{0,2})$/;
const GEN1_FAMILIES = new Set(["relay", "roller", "light", "emeter", "white", "color"]);
const EMETER_FIELDS = new Map<string, Gen1Quantity | "volatile">([
  ["power", "powerW"],
  ["reactive_power", "reactivePowerVAr"],
  ["voltage", "voltageV"],
  ["current", "currentA"],
  ["pf", "powerFactor"],
  ["total", "energyWh"],
  ["total_returned", "returnedEnergyWh"],
  ["energy", "volatile"],
  ["returned_energy", "volatile"],
]);

function ignored(
  prefix: string,
  generation: 1 | 2,
  reason: ShellyIgnoredReason,
  component?: string,
): Route {
  return component === undefined
    ? { type: "ignored", prefix, generation, reason }
    : { type: "ignored", prefix, generation, reason, component };
}

/**
 * The exact Gen1 shapes under `shellies/<id>/…` (REFERENCE §2); `undefined` if none matches.
 * Reads the segments by their slashes' positions (no array per topic: Gen1 devices publish each
 * value on a topic of its own).
 */
function routeGen1(topic: string): Route | undefined {
  const idAt = GEN1_ROOT.length;
  const afterId = topic.indexOf("/", idAt);
  if (afterId < 0) {
    const second = topic.slice(idAt);
    if (second === "announce") return { type: "announce", prefix: undefined };
    if (second === "command") return ignored("shellies", 1, "command");
    return undefined;
  }
  if (afterId === idAt) return undefined;
  const prefix = topic.slice(0, afterId);
  const afterFamily = topic.indexOf("/", afterId + 1);
  if (afterFamily < 0) {
    const family = topic.slice(afterId + 1);
    if (family === "online") return { type: "online", prefix, generation: 1 };
    if (family === "announce") return { type: "announce", prefix };
    if (family === "temperature") return { type: "gen1-temperature", prefix };
    if (family === "command") return ignored(prefix, 1, "command");
    return undefined;
  }
  const family = topic.slice(afterId + 1, afterFamily);
  const afterIndex = topic.indexOf("/", afterFamily + 1);
  if (afterIndex < 0) {
    const index = topic.slice(afterFamily + 1);
    // The old Shelly 2 (SHSW-21) reports its one meter without a channel index.
    if (family === "relay" && index === "power") {
      return { type: "gen1-value", prefix, component: "relay:0", quantity: "powerW" };
    }
    if (family === "relay" && index === "energy") {
      return { type: "gen1-value", prefix, component: "relay:0", quantity: "energyWmin" };
    }
    if ((family === "relay" || family === "light") && GEN1_INDEX.test(index)) {
      return { type: "gen1-state", prefix, component: `${family}:${index}` };
    }
    return undefined;
  }
  const index = topic.slice(afterFamily + 1, afterIndex);
  if (!GEN1_FAMILIES.has(family) || !GEN1_INDEX.test(index)) return undefined;
  const component = `${family}:${index}`;
  const afterLeaf = topic.indexOf("/", afterIndex + 1);
  const leaf = topic.slice(afterIndex + 1, afterLeaf < 0 ? topic.length : afterLeaf);
  if (leaf === "command" || leaf === "set") return ignored(prefix, 1, "command", component);
  if (afterLeaf >= 0) return undefined;
  if (family === "emeter") {
    const quantity = EMETER_FIELDS.get(leaf);
    if (quantity === "volatile") return ignored(prefix, 1, "volatile-counter", component);
    if (quantity !== undefined) return { type: "gen1-value", prefix, component, quantity };
    return undefined;
  }
  if (family === "relay" || family === "roller" || family === "light") {
    if (leaf === "power") return { type: "gen1-value", prefix, component, quantity: "powerW" };
    if (leaf === "energy") {
      return { type: "gen1-value", prefix, component, quantity: "energyWmin" };
    }
  }
  return undefined;
}

/** A `status/<leaf>` topic: a component with readings or context, or an ignored one. */
function routeStatus(prefix: string, leaf: string): Route {
  if (leaf === "sys") return { type: "sys", prefix };
  const key = parseComponentKey(leaf);
  const spec = key === undefined ? undefined : COMPONENTS.get(key.name);
  if (key !== undefined && spec !== undefined) return { type: "status", prefix, key, spec };
  const reason = leaf.includes(":") ? "non-metering-component" : "singleton-status";
  return ignored(prefix, 2, reason, leaf);
}

/** Gen2+ shapes, read from the right so that prefixes may contain `/` (REFERENCE rule 9). */
function routeGen2(topic: string): Route | undefined {
  const last = topic.lastIndexOf("/");
  if (last <= 0 || last === topic.length - 1) return undefined;
  const leaf = topic.slice(last + 1);
  const head = topic.slice(0, last);
  if (leaf === "online") return { type: "online", prefix: head, generation: 2 };
  if (leaf === "rpc") {
    if (head.endsWith("/events") && head.length > 7) {
      return { type: "notification", prefix: head.slice(0, -7) };
    }
    return { type: "rpc", prefix: head };
  }
  if (leaf === "command") return ignored(head, 2, "command");
  const second = head.lastIndexOf("/");
  if (second <= 0) return undefined;
  const middle = head.slice(second + 1);
  const prefix = head.slice(0, second);
  if (middle === "status") return routeStatus(prefix, leaf);
  if (middle === "command") return ignored(prefix, 2, "command", leaf);
  if (middle === "error") return ignored(prefix, 2, "error-report", leaf);
  if (middle === "debug" && leaf === "log") return ignored(prefix, 2, "debug-log");
  return undefined;
}

/**
 * Classifies a (valid, bounded) topic. Exact Gen1 shapes win under `shellies/`, then Gen2+ shapes
 * (a Gen2+ device may use a `shellies/<name>` prefix), then any other `shellies/<id>/…` topic is a
 * recognised Gen1 topic without metering. `undefined`: not a Shelly topic.
 */
export function routeTopic(topic: string): Route | undefined {
  const underShellies = topic.startsWith(GEN1_ROOT);
  if (underShellies) {
    const gen1 = routeGen1(topic);
    if (gen1 !== undefined) return gen1;
  }
  const gen2 = routeGen2(topic);
  if (gen2 !== undefined) return gen2;
  if (underShellies) {
    const segments = topic.split("/");
    if (segments.length >= 3 && segments[1] !== "") {
      return ignored(GEN1_ROOT + segments[1], 1, "gen1-non-metering");
    }
  }
  return undefined;
}
