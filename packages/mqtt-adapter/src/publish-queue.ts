import type { QoS } from "./client-options";

/** One message waiting to be published. `bytes` = payload bytes + topic UTF-8 bytes. */
export interface QueuedPublish {
  readonly topic: string;
  /**
   * The payload as `publish()` got it: a string goes to mqtt.js as it is (mqtt-packet writes its
   * UTF-8 bytes), so nothing encodes it ahead and mqtt.js's copy of a QoS 1/2 publish for its
   * outgoing store shares the string instead of copying a buffer.
   */
  readonly payload: Buffer | string;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly bytes: number;
}

/**
 * A FIFO bounded by message count and by bytes, on a growable ring buffer (no `Array.shift`,
 * so a 10,000-message queue stays O(1) per operation). `push` refuses what does not fit;
 * `unshift` (messages coming back from a lost connection) may exceed the bounds, by at most the
 * in-flight limit, so a retry never turns into a drop.
 */
export class PublishQueue {
  readonly maxMessages: number;
  readonly maxBytes: number;
  #items: (QueuedPublish | undefined)[] = new Array(16);
  #head = 0;
  #length = 0;
  #bytes = 0;

  constructor(maxMessages: number, maxBytes: number) {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  /** Messages waiting. */
  get length(): number {
    return this.#length;
  }

  /** Bytes waiting (payloads + topics). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends if both bounds allow it; false (and nothing stored) otherwise. */
  push(item: QueuedPublish): boolean {
    if (this.#length >= this.maxMessages || this.#bytes + item.bytes > this.maxBytes) return false;
    this.#grow();
    this.#items[(this.#head + this.#length) % this.#items.length] = item;
    this.#length++;
    this.#bytes += item.bytes;
    return true;
  }

  /** Puts a message back at the front, ignoring the bounds. */
  unshift(item: QueuedPublish): void {
    this.#grow();
    this.#head = (this.#head - 1 + this.#items.length) % this.#items.length;
    this.#items[this.#head] = item;
    this.#length++;
    this.#bytes += item.bytes;
  }

  /** The oldest message, left in place. */
  peek(): QueuedPublish | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** Removes and returns the oldest message. */
  shift(): QueuedPublish | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length--;
    this.#bytes -= (item as QueuedPublish).bytes;
    return item;
  }

  /** Removes and returns everything, oldest first. */
  clear(): QueuedPublish[] {
    const all: QueuedPublish[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) all.push(item);
    this.#items = new Array(16);
    this.#head = 0;
    return all;
  }

  #grow(): void {
    const capacity = this.#items.length;
    if (this.#length < capacity) return;
    const next: (QueuedPublish | undefined)[] = new Array(capacity * 2);
    for (let i = 0; i < this.#length; i++) next[i] = this.#items[(this.#head + i) % capacity];
    this.#items = next;
    this.#head = 0;
  }
}
