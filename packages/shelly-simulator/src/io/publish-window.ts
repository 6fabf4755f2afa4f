import type { Writable } from "node:stream";
import type { MqttClient } from "mqtt";

/**
 * Backpressure for one mqtt.js client, so memory stays bounded however fast messages come:
 * `publish` returns a promise to await only when the caller must wait.
 *
 * - QoS 1: a window of publishes in flight until the broker's PUBACK (mqtt.js callbacks); full at
 *   `limit`, open again at half.
 * - QoS 0: mqtt.js's own backpressure, the socket: when its buffer is full, wait for `drain`.
 *   (Counting QoS 0 callbacks would make mqtt.js register one `drain` listener per message.)
 */
export class PublishWindow {
  private inFlight = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly lowWater: number;
  private readonly options: { qos: 0 | 1; retain: boolean };

  constructor(
    private readonly client: MqttClient,
    private readonly qos: 0 | 1,
    private readonly limit: number,
  ) {
    this.lowWater = Math.floor(limit / 2);
    this.options = { qos, retain: false };
  }

  /** Publishes; returns a promise to await only when the window is full. Throws after a failure. */
  publish(topic: string, payload: string | Uint8Array): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure;
    const body =
      typeof payload === "string"
        ? payload
        : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (this.qos === 0) {
      this.client.publish(topic, body, this.options);
      return this.socket().writableNeedDrain ? this.waitForDrain() : undefined;
    }
    this.inFlight++;
    this.client.publish(topic, body, this.options, this.acked);
    if (this.inFlight < this.limit) return undefined;
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** Resolves when every QoS 1 publish was acknowledged and the socket took every QoS 0 one. */
  async drain(): Promise<void> {
    while (this.inFlight > 0 && this.failure === undefined) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    if (this.failure === undefined && this.socket().writableNeedDrain) await this.waitForDrain();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Marks the window failed (connection lost) and wakes whoever waits. */
  fail(error: Error): void {
    this.failure ??= error;
    this.wakeUp();
  }

  private socket(): Writable {
    return this.client.stream as Writable;
  }

  private waitForDrain(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.socket().once("drain", this.drained);
    });
  }

  private readonly drained = (): void => {
    this.wakeUp();
  };

  private readonly acked = (error?: Error): void => {
    this.inFlight--;
    if (error !== undefined && error !== null) this.failure ??= error;
    if (this.failure !== undefined || this.inFlight <= this.lowWater) this.wakeUp();
  };

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
