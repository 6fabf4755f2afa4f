import {
  createFleet,
  type Fleet,
  type FleetOptions,
  type ShellyModel,
  type SimMessage,
} from "../../src/index";

/** A fleet of `count` devices of one model in one room. */
export function oneModel(model: ShellyModel, count = 1, options: FleetOptions = {}): Fleet {
  return createFleet({
    seed: 5,
    offices: 1,
    roomsPerOffice: 1,
    devicesPerRoom: count,
    models: { [model]: 1 },
    ...options,
  });
}

/** The topic without the device prefix, with numbers as N: `status/switch:N`, `relay/N/energy`. */
export function topicKind(topic: string): string {
  const m = /\/(status\/.*|events\/rpc|online|relay\/.*|emeter\/.*)$/.exec(topic);
  return (m?.[1] ?? topic).replace(/\d+/g, "N");
}

/** Counts by a key. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** Payload as text (garbage bytes as latin1). */
export function text(m: SimMessage): string {
  return typeof m.payload === "string" ? m.payload : Buffer.from(m.payload).toString("latin1");
}
