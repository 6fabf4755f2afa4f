import type { EnergyTruth } from "@coreflux/shelly-simulator";
import type { Aggregate } from "./observer";

/** Published Wh (3 decimals) as integer mWh, or undefined when the value is not exactly that. */
export function whToMwh(value: unknown): number | undefined {
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  const mwh = Math.round(value * 1000);
  return mwh / 1000 === value ? mwh : undefined;
}

/** A node's energy in mWh as published: `TotalEnergyConsumed` (devices) or `TotalEnergy`. */
export function publishedMwh(aggregate: Aggregate): number | undefined {
  return whToMwh(aggregate.TotalEnergyConsumed ?? aggregate.TotalEnergy);
}

/** What the truth says about one node (active and returned energy, integer mWh). */
export interface ExpectedNode {
  energyMwh: number;
  returnedEnergyMwh: number;
}

/** Every node of the truth by path: devices, rooms, offices and the company. */
export function truthNodes(truth: EnergyTruth): Map<string, ExpectedNode> {
  const nodes = new Map<string, ExpectedNode>();
  for (const [path, d] of Object.entries(truth.devices)) nodes.set(path, d);
  for (const [path, r] of Object.entries(truth.rooms)) nodes.set(path, r);
  for (const [path, o] of Object.entries(truth.offices)) nodes.set(path, o);
  nodes.set(truth.company, truth);
  return nodes;
}

/** Combines truths of separate sources over the same company (adds node by node). */
export function mergeExpected(
  into: Map<string, ExpectedNode>,
  extra: Map<string, ExpectedNode>,
): Map<string, ExpectedNode> {
  const out = new Map(into);
  for (const [path, node] of extra) {
    const known = out.get(path);
    out.set(
      path,
      known === undefined
        ? node
        : {
            energyMwh: known.energyMwh + node.energyMwh,
            returnedEnergyMwh: known.returnedEnergyMwh + node.returnedEnergyMwh,
          },
    );
  }
  return out;
}

/**
 * Compares every node of the truth with what the aggregator published, to the mWh (active and
 * returned energy), and every published node that the truth does not know with `extra` (by
 * default: it must not exist). Returns one line per difference; empty means equal.
 */
export function compareWithTruth(
  published: ReadonlyMap<string, Aggregate>,
  expected: ReadonlyMap<string, ExpectedNode>,
  extra: (path: string, aggregate: Aggregate) => string | undefined = () =>
    "published, but not in the truth",
): string[] {
  const diffs: string[] = [];
  for (const [path, want] of expected) {
    const got = published.get(path);
    if (got === undefined) {
      diffs.push(`${path}: never published (truth ${want.energyMwh} mWh)`);
      continue;
    }
    const energy = publishedMwh(got);
    if (energy !== want.energyMwh) {
      diffs.push(
        `${path}: ${String(got.TotalEnergyConsumed ?? got.TotalEnergy)} Wh published, truth ${want.energyMwh} mWh`,
      );
    }
    const returned = whToMwh(got.ReturnedEnergyWh);
    if (returned !== want.returnedEnergyMwh) {
      diffs.push(
        `${path}: returned ${String(got.ReturnedEnergyWh)} Wh published, truth ${want.returnedEnergyMwh} mWh`,
      );
    }
  }
  for (const [path, got] of published) {
    if (expected.has(path)) continue;
    const problem = extra(path, got);
    if (problem !== undefined) diffs.push(`${path}: ${problem}`);
  }
  return diffs.sort();
}

/** An `extra` policy for {@link compareWithTruth}: nodes outside the truth must total 0 Wh. */
export function mustBeZero(_path: string, aggregate: Aggregate): string | undefined {
  return publishedMwh(aggregate) === 0 && whToMwh(aggregate.ReturnedEnergyWh) === 0
    ? undefined
    : `not in the truth, yet ${String(aggregate.TotalEnergyConsumed ?? aggregate.TotalEnergy)} Wh`;
}
