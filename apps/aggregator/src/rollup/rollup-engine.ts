import { matchTopic } from "@coreflux/mqtt-adapter";
import { z } from "zod";
import { outputTopic } from "../output/build-payload";
import {
  companyPayloadSchema,
  type GroupFields,
  rollupCompanyFields,
} from "../output/payload-schema";
import { periodKeys } from "./local-periods";
import {
  type NodeSums,
  type SourceContribution,
  sourceSums,
  sumNodes,
  toGroupFields,
} from "./rollup-sums";
import type { SourceReading } from "./source-payload";

/** What a partition's retained status topic says; `missing` until it has said anything. */
export type PartitionStatus = "online" | "offline" | "missing";

/** One partition in the company payload. */
export interface PartitionEntry {
  Name: string;
  Status: PartitionStatus;
}

/** The company payload of the roll-up: the device aggregator's, plus what says it may lag. */
export const rollupCompanyPayloadSchema = companyPayloadSchema.extend(rollupCompanyFields);
export type RollupCompanyPayload = z.infer<typeof rollupCompanyPayloadSchema>;

/** The roll-up engine's settings. */
export interface RollupEngineOptions {
  /** The company name (first topic segment). */
  company: string;
  /** Level of the sources: office totals or room totals. */
  level: "office" | "room";
  /** `[rollup] sources`: a message's topic must match one. */
  sources: readonly string[];
  /** `[rollup] partitions`: instance names. */
  partitions: readonly string[];
  /** IANA zone of the hour/day/month periods. */
  timeZone: string;
  /** A source's power counts while its `UnixTimestamp` is at most this old, ms. */
  freshForMs: number;
  /** Include the children arrays (`[publish] nested`). */
  nested: boolean;
}

/** One source's held values. */
interface Held extends SourceContribution {
  name: string;
  /** Below the company: `[office]` or `[office, room]`. */
  path: string[];
}

/** What became of one source message. */
export type ApplyOutcome =
  | {
      kind: "accepted";
      /** The message was lower than the held lifetime total(s), which were kept. */
      decreased: { field: "TotalEnergy" | "ReturnedEnergyWh"; heldWh: number; sentWh: number }[];
      /** First decrease of this source since start (log it; count every one). */
      firstDecrease: boolean;
      /** First message of this source ever. */
      discovered: boolean;
    }
  | { kind: "older"; heldTsS: number; tsS: number }
  | { kind: "unexpected-topic" };

/** The roll-up's persisted part: every held source. */
export const rollupSnapshotSchema = z.strictObject({
  sources: z.array(
    z.strictObject({
      topic: z.string(),
      name: z.string(),
      tsS: z.number().int(),
      powerW: z.number(),
      totalMwh: z.number().int().min(0),
      returnedMwh: z.number().int().min(0),
      hourMwh: z.number().int().min(0),
      todayMwh: z.number().int().min(0),
      monthMwh: z.number().int().min(0),
      meters: z.strictObject({
        online: z.number().int().min(0),
        stale: z.number().int().min(0),
        offline: z.number().int().min(0),
      }),
      devices: z.strictObject({
        online: z.number().int().min(0),
        stale: z.number().int().min(0),
        offline: z.number().int().min(0),
      }),
      lastUpdateTsS: z.number().int().nullable(),
    }),
  ),
});
export type RollupSnapshot = z.infer<typeof rollupSnapshotSchema>;

/** A message to publish. */
export interface RollupMessage {
  topic: string;
  payload: object;
}

/**
 * The roll-up's pure core: holds each source's last accepted payload, applies the rules (older
 * messages ignored, lifetime totals never lower), tracks the partitions' status and builds the
 * payloads of every node above the sources. No clock, no I/O, no logging: times are passed in
 * and what happened is returned.
 */
export class RollupEngine {
  readonly #options: RollupEngineOptions;
  readonly #held = new Map<string, Held>();
  readonly #partitions = new Map<string, PartitionStatus>();
  readonly #decreaseReported = new Set<string>();
  #changed = false;

  constructor(options: RollupEngineOptions) {
    this.#options = options;
    for (const name of options.partitions) this.#partitions.set(name, "missing");
  }

  /** Sources held now. */
  get sourceCount(): number {
    return this.#held.size;
  }

  /** The node path below the company of a source topic, or undefined when it is not one. */
  sourcePath(topic: string): string[] | undefined {
    if (!this.#options.sources.some((f) => matchTopic(f, topic))) return undefined;
    const segments = topic.split("/");
    const depth = this.#options.level === "office" ? 3 : 4;
    if (segments.length !== depth || segments[0] !== this.#options.company) return undefined;
    const path = segments.slice(1, -1);
    return path.every((s) => s !== "") ? path : undefined;
  }

  /**
   * Applies a parsed source message. Older than the held one (`UnixTimestamp` lower: a
   * retained value replayed, an out-of-order delivery): ignored. Otherwise taken, except that
   * `TotalEnergy` and `ReturnedEnergyWh` never go below the held values.
   */
  apply(topic: string, reading: SourceReading): ApplyOutcome {
    const path = this.sourcePath(topic);
    if (path === undefined) return { kind: "unexpected-topic" };
    const held = this.#held.get(topic);
    if (held !== undefined && reading.tsS < held.tsS) {
      return { kind: "older", heldTsS: held.tsS, tsS: reading.tsS };
    }
    const decreased: Extract<ApplyOutcome, { kind: "accepted" }>["decreased"] = [];
    /** The sent lifetime value, or the held one when it is higher (noted in `decreased`). */
    const highest = (
      field: "TotalEnergy" | "ReturnedEnergyWh",
      sentMwh: number,
      heldMwh: number | undefined,
    ): number => {
      if (heldMwh === undefined || sentMwh >= heldMwh) return sentMwh;
      decreased.push({ field, heldWh: heldMwh / 1000, sentWh: sentMwh / 1000 });
      return heldMwh;
    };
    const totalMwh = highest("TotalEnergy", reading.totalMwh, held?.totalMwh);
    const returnedMwh = highest("ReturnedEnergyWh", reading.returnedMwh, held?.returnedMwh);
    const next: Held = {
      name: reading.name,
      path,
      tsS: reading.tsS,
      powerW: reading.powerW,
      totalMwh,
      returnedMwh,
      hourMwh: reading.hourMwh,
      todayMwh: reading.todayMwh,
      monthMwh: reading.monthMwh,
      meters: { ...reading.meters },
      devices: { ...reading.devices },
      lastUpdateTsS: reading.lastUpdateTsS,
    };
    if (held === undefined || JSON.stringify(held) !== JSON.stringify(next)) this.#changed = true;
    this.#held.set(topic, next);
    const firstDecrease = decreased.length > 0 && !this.#decreaseReported.has(topic);
    if (firstDecrease) this.#decreaseReported.add(topic);
    return { kind: "accepted", decreased, firstDecrease, discovered: held === undefined };
  }

  /**
   * A partition's retained status (`online`, `offline`; an empty payload, a cleared retained
   * message, is `missing`). Returns the new status, or undefined for another text or an unknown
   * partition (ignored).
   */
  setPartitionStatus(name: string, text: string): PartitionStatus | undefined {
    if (!this.#partitions.has(name)) return undefined;
    const status: PartitionStatus | undefined =
      text === "online"
        ? "online"
        : text === "offline"
          ? "offline"
          : text === ""
            ? "missing"
            : undefined;
    if (status !== undefined) this.#partitions.set(name, status);
    return status;
  }

  /** Every `[rollup] partitions` entry and its status, in configuration order. */
  partitions(): PartitionEntry[] {
    return [...this.#partitions].map(([Name, Status]) => ({ Name, Status }));
  }

  /**
   * The partition a source belongs to, by the instance names partitions get by default: a name
   * equal (ignoring case) to the source's office (`porto` owns `Coreflux/Porto/...`), or, for a
   * name made of several roots joined by `_`, one of them equal to the office or to
   * `<Office>-<Room>` (`Porto-Room1_Lisbon` owns `Porto/Room1` and `Lisbon`). Undefined when no
   * partition matches: such a source is judged by its age alone.
   */
  partitionOf(path: readonly string[]): string | undefined {
    const keys = [path[0], path.slice(0, 2).join("-")].map((k) => k?.toLowerCase());
    return [...this.#partitions.keys()].find((p) =>
      p
        .toLowerCase()
        .split("_")
        .some((part) => keys.includes(part)),
    );
  }

  /** True once since the last call if a held value changed (the state needs writing). */
  takeChanged(): boolean {
    const changed = this.#changed;
    this.#changed = false;
    return changed;
  }

  /**
   * Every node above the sources, at `nowMs`: the company, and for room sources their
   * offices; each sums its children in integers. Nothing before the first source is held (an
   * empty company would publish a lower total than the partitions' sum).
   */
  build(nowMs: number): { messages: RollupMessage[]; company: NodeSums | undefined } {
    if (this.#held.size === 0) return { messages: [], company: undefined };
    const { company, nested } = this.#options;
    const nowPeriods = periodKeys(nowMs, this.#options.timeZone);
    const children: { held: Held; topic: string; sums: NodeSums }[] = [];
    for (const [topic, held] of [...this.#held].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const partition = this.partitionOf(held.path);
      const fresh =
        nowMs - held.tsS * 1000 <= this.#options.freshForMs &&
        (partition === undefined || this.#partitions.get(partition) !== "offline");
      const sums = sourceSums(
        held,
        periodKeys(held.tsS * 1000, this.#options.timeZone),
        nowPeriods,
        fresh,
      );
      children.push({ held, topic, sums });
    }
    const childFields = (c: (typeof children)[number]): GroupFields => ({
      ...toGroupFields(c.held.name, c.topic, c.sums, nowMs),
      // The source's own publish time: how old what it says is.
      UnixTimestamp: c.held.tsS,
    });
    const messages: RollupMessage[] = [];
    let companyChildren: { fields: GroupFields; sums: NodeSums }[];
    if (this.#options.level === "office") {
      companyChildren = children.map((c) => ({ fields: childFields(c), sums: c.sums }));
    } else {
      const offices = new Map<string, typeof children>();
      for (const c of children) {
        const office = c.held.path[0]!;
        offices.set(office, [...(offices.get(office) ?? []), c]);
      }
      companyChildren = [];
      for (const [office, rooms] of offices) {
        const sums = sumNodes(rooms.map((r) => r.sums));
        const topic = outputTopic([company, office]);
        const fields = toGroupFields(office, topic, sums, nowMs);
        messages.push({
          topic,
          payload: nested ? { ...fields, Rooms: rooms.map(childFields) } : fields,
        });
        companyChildren.push({ fields, sums });
      }
    }
    const sums = sumNodes(companyChildren.map((c) => c.sums));
    const fields = toGroupFields(company, outputTopic([company]), sums, nowMs);
    const partitions = this.partitions();
    const payload: RollupCompanyPayload = {
      ...fields,
      ...(nested ? { Offices: companyChildren.map((c) => c.fields) } : {}),
      Partitions: partitions,
      PartitionsLagging: partitions.some((p) => p.Status !== "online"),
      Sources: this.#held.size,
    };
    messages.push({ topic: fields.Topic, payload });
    return { messages, company: sums };
  }

  /** The held sources, for the state file. */
  snapshot(): RollupSnapshot {
    return {
      sources: [...this.#held].map(([topic, h]) => ({
        topic,
        name: h.name,
        tsS: h.tsS,
        powerW: h.powerW,
        totalMwh: h.totalMwh,
        returnedMwh: h.returnedMwh,
        hourMwh: h.hourMwh,
        todayMwh: h.todayMwh,
        monthMwh: h.monthMwh,
        meters: { ...h.meters },
        devices: { ...h.devices },
        lastUpdateTsS: h.lastUpdateTsS,
      })),
    };
  }

  /**
   * Takes the held sources of a snapshot (validated by {@link rollupSnapshotSchema}). Sources
   * whose topic no longer matches `[rollup] sources` are left out and returned.
   */
  restore(snapshot: RollupSnapshot): { restored: number; dropped: string[] } {
    const dropped: string[] = [];
    for (const s of snapshot.sources) {
      const path = this.sourcePath(s.topic);
      if (path === undefined) {
        dropped.push(s.topic);
        continue;
      }
      const { topic, ...rest } = s;
      this.#held.set(topic, { ...rest, path });
    }
    return { restored: this.#held.size, dropped };
  }
}
