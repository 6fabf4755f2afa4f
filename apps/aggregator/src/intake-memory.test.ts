import { getHeapSnapshot } from "node:v8";
import { Placement } from "@coreflux/config";
import { EnergyEngine } from "@coreflux/hierarchy";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { Intake } from "./intake";
import { Counts } from "./metrics";

const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const DEVICES = 300;

/**
 * The strings alive in this process, and how many arrays (after the full collection a snapshot
 * starts with).
 */
async function liveHeap(): Promise<{ strings: string[]; arrays: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  const snapshot = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const { node_fields: fields, node_types: types } = snapshot.snapshot.meta;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const kinds = new Set(["string", "sliced string", "concatenated string"]);
  const strings: string[] = [];
  let arrays = 0;
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[0][snapshot.nodes[i + typeAt] as number] as string;
    const name = snapshot.strings[snapshot.nodes[i + nameAt] as number] as string;
    if (kinds.has(type)) strings.push(name);
    else if (type === "object" && name === "Array") arrays++;
  }
  return { strings, arrays };
}

/** A Gen1 id of six hex digits for device `i`. */
const gen1Id = (i: number) => `shellyplug-s-${(0xa00000 + i).toString(16).toUpperCase()}`;

describe("Intake keeps little per device", () => {
  it("keeps no message topic, no path array, one string per office or room and per meter id", async () => {
    // Half the devices placed by [[devices]] rules (Gen1), half by their topic (Gen2).
    const rules = Array.from({ length: DEVICES }, (_, i) => ({
      match: `shellies/${gen1Id(i)}`,
      path: `Porto/Hall${i % 3}/Plug${i}`,
    }));
    const arraysBefore = (await liveHeap()).arrays;
    const engine = new EnergyEngine({ timeZone: "UTC" });
    const counts = new Counts();
    const intake = new Intake(
      engine,
      new Placement("Coreflux", rules),
      counts,
      pino({ level: "silent" }),
      { maxDevices: 4 * DEVICES, maxPayloadBytes: 65_536 },
    );
    for (let round = 1; round <= 3; round++) {
      const nowMs = T0 + round * 10_000;
      for (let i = 0; i < DEVICES; i++) {
        // Topics made fresh for each message, as a socket's bytes are: nothing here keeps them.
        intake.handleAt(
          `shellies/${gen1Id(i)}/relay/0/energy`,
          Buffer.from(String(600 * round)),
          nowMs,
        );
        intake.handleAt(
          `Coreflux/Lisbon/Floor${i % 3}/Desk${i}/status/switch:0`,
          Buffer.from(`{"id":0,"apower":5,"aenergy":{"total":${10 * round}.5}}`),
          nowMs,
        );
      }
    }
    expect(intake.deviceCount).toBe(2 * DEVICES);
    expect(counts.accepted).toBe(6 * DEVICES);
    expect(engine.meterCount).toBe(2 * DEVICES);

    const { strings, arrays } = await liveHeap();
    // No path array kept per device (a rule's, or a device's until its node holds the path).
    expect(arrays - arraysBefore).toBeLessThan(DEVICES / 10);
    const copies = (text: string) => strings.filter((s) => s === text).length;
    // A key sliced from its message's topic would keep that topic alive.
    expect(
      strings.filter((s) => s.startsWith("shellies/shellyplug-s-A") && s.includes("/relay/")),
    ).toEqual([]);
    expect(
      strings.filter((s) => s.startsWith("Coreflux/Lisbon/") && s.includes("/status/")),
    ).toEqual([]);
    // The texts looked for are made here, after the snapshot: as literals they would be in it
    // (a compiled literal is a string of its own).
    const n = DEVICES % 3;
    // Split paths and parsed meter ids were a copy per device (100 of each level name, 300 of
    // each meter id); now the tree's node has the one name, the intake one string per meter id
    // (a parser cache may hold another).
    expect(copies(`Hall${n}`)).toBe(1);
    expect(copies(`Floor${n}`)).toBe(1);
    expect(copies(`relay:${n}`)).toBeLessThanOrEqual(2);
    expect(copies(`switch:${n}`)).toBeLessThanOrEqual(2);
    // A device placed by its topic: one string, its key (a rule's device also has the rule's).
    expect(copies(`Coreflux/Lisbon/Floor${n}/Desk${DEVICES - 3}`)).toBe(1);
  }, 60_000);
});
