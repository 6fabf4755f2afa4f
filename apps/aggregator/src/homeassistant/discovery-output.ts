import type { EnergyEngine, NodeId } from "@coreflux/hierarchy";
import type { Logger } from "pino";
import type { CycleOutput, PublishCycle } from "../output/cycle-output";
import { type DiscoverySettings, discoveryMessages } from "./discovery-messages";

/**
 * Home Assistant MQTT discovery as an output of the publish cycle: each node's config is
 * published (retained) the first cycle it exists, again when it first has returned energy, and
 * every node's again when Home Assistant announces itself (`<prefix>/status` = `online`).
 */
export class DiscoveryOutput implements CycleOutput {
  readonly name = "home assistant discovery";
  /** Nodes announced, and whether with the returned-energy entity. */
  private readonly announced = new Map<NodeId, boolean>();
  private announceAll = true;
  private published = 0;

  constructor(
    private readonly engine: EnergyEngine,
    private readonly publish: (topic: string, payload: string) => void,
    private readonly settings: DiscoverySettings,
    private readonly log: Logger,
  ) {}

  /** The topic Home Assistant's birth and will messages come on. */
  get statusTopic(): string {
    return `${this.settings.prefix}/status`;
  }

  /** Configs published so far. */
  get configsPublished(): number {
    return this.published;
  }

  /** A message on {@link statusTopic}: `online` means Home Assistant (re)started. */
  onStatus(payload: string): void {
    if (payload.trim() === "online") {
      this.announceAll = true;
      this.log.info("Home Assistant is online: discovery configs are published again");
    }
  }

  cycle(c: PublishCycle): void {
    const ids: Iterable<NodeId> = this.announceAll ? allNodes(c.engine) : c.changed;
    const all = this.announceAll;
    this.announceAll = false;
    let count = 0;
    for (const id of ids) {
      if (c.hidden?.has(id) === true) continue;
      const view = this.engine.view(id, c.nowMs);
      const hasReturned = view.returnedEnergyMwh > 0;
      if (!all && this.announced.get(id) === hasReturned) continue;
      for (const m of discoveryMessages({ path: view.path, hasReturned }, this.settings)) {
        this.publish(m.topic, JSON.stringify(m.payload));
        count++;
      }
      this.announced.set(id, hasReturned);
    }
    if (count > 0) {
      this.published += count;
      this.log.debug({ configs: count }, "Home Assistant discovery configs published");
    }
  }

  async close(): Promise<void> {}
}

function* allNodes(engine: EnergyEngine): Iterable<NodeId> {
  for (let id = 0; id < engine.nodeCount; id++) yield id;
}
