import { randomBytes } from "node:crypto";
import { createMqttClient, type MqttClient, type MqttClientOptions } from "@coreflux/mqtt-adapter";

/** A published aggregate: its fields as JSON. */
export type Aggregate = Record<string, unknown>;

/** Where an aggregate sits: `Company/Office/Room/Device` and its level. */
export interface AggregateTopic {
  path: string;
  level: "company" | "office" | "room" | "device";
}

/** The node an output topic belongs to, or undefined for any other topic. */
export function aggregateTopic(topic: string): AggregateTopic | undefined {
  const cut = (suffix: string) => topic.slice(0, -suffix.length);
  if (topic.endsWith("/status/EnergyConsumed"))
    return { path: cut("/status/EnergyConsumed"), level: "device" };
  if (topic.endsWith("/RoomEnergyConsumed"))
    return { path: cut("/RoomEnergyConsumed"), level: "room" };
  if (topic.endsWith("/OfficeEnergyConsumed"))
    return { path: cut("/OfficeEnergyConsumed"), level: "office" };
  if (topic.endsWith("/CompanyEnergyConsumed"))
    return { path: cut("/CompanyEnergyConsumed"), level: "company" };
  return undefined;
}

/**
 * A test-side MQTT client (reconnecting, resubscribing) that records the latest aggregate the
 * aggregator published for every node of a company.
 */
export class Observer {
  /** Latest aggregate by node path. */
  readonly latest = new Map<string, Aggregate & { level: AggregateTopic["level"] }>();
  /** Aggregates received, all nodes together. */
  received = 0;
  private listeners: ((path: string, aggregate: Aggregate) => void)[] = [];

  private constructor(readonly client: MqttClient) {}

  static async connect(
    url: string,
    company: string,
    options: Partial<MqttClientOptions> = {},
  ): Promise<Observer> {
    const client = createMqttClient({
      url,
      clientId: `observer-${randomBytes(4).toString("hex")}`,
      subscriptions: [{ filter: `${company}/#`, qos: 1 }],
      reconnect: { minDelayMs: 50, maxDelayMs: 500 },
      ...options,
    });
    const observer = new Observer(client);
    client.onMessage((topic, payload) => {
      const where = aggregateTopic(topic);
      if (where === undefined || payload.length === 0) return;
      const aggregate = JSON.parse(payload.toString("utf8")) as Aggregate;
      observer.received++;
      observer.latest.set(where.path, { ...aggregate, level: where.level });
      for (const listener of observer.listeners) listener(where.path, aggregate);
    });
    await client.connect({ timeoutMs: 10_000 });
    return observer;
  }

  /** Calls `listener` for every aggregate received from now on. */
  onAggregate(listener: (path: string, aggregate: Aggregate) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Removes the retained aggregates seen under the company and the aggregator's retained status
   * (keeps a shared broker tidy).
   */
  async clearRetained(company: string): Promise<void> {
    this.client.publish(`${company}/aggregator/status`, "", { qos: 1, retain: true });
    const suffix = {
      device: "/status/EnergyConsumed",
      room: "/RoomEnergyConsumed",
      office: "/OfficeEnergyConsumed",
      company: "/CompanyEnergyConsumed",
    } as const;
    for (const [path, aggregate] of this.latest) {
      this.client.publish(`${path}${suffix[aggregate.level]}`, "", { qos: 1, retain: true });
    }
    await this.client.flush();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
