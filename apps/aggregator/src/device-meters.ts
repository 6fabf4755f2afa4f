import type { MeterHandle } from "@coreflux/hierarchy";

/**
 * A device's meters by meter id (`switch:0`, `em1:1`, `relay/0`). Most devices have one meter,
 * kept in two fields; the others go in a `Map` made for the devices that have more. A `Map` per
 * device, even for one entry, was about 150 bytes of the heap with its hash table (1.5 MB at
 * 10,000 devices, in a heap snapshot of the end-to-end benchmark).
 */
export class DeviceMeters {
  #firstId: string | undefined;
  #first: MeterHandle = -1;
  #more: Map<string, MeterHandle> | undefined;

  /** The meter of `meterId`, or undefined when the device has none by that id yet. */
  get(meterId: string): MeterHandle | undefined {
    if (meterId === this.#firstId) return this.#first;
    return this.#more?.get(meterId);
  }

  /** Records `meter` as the device's meter `meterId` (replacing one by that id). */
  set(meterId: string, meter: MeterHandle): void {
    if (this.#firstId === undefined || this.#firstId === meterId) {
      this.#firstId = meterId;
      this.#first = meter;
      return;
    }
    this.#more ??= new Map();
    this.#more.set(meterId, meter);
  }

  /** How many meters the device has. */
  get size(): number {
    return (this.#firstId === undefined ? 0 : 1) + (this.#more?.size ?? 0);
  }

  /** Calls `fn` with each of the device's meters, the first one first. */
  forEach(fn: (meter: MeterHandle, meterId: string) => void): void {
    if (this.#firstId === undefined) return;
    fn(this.#first, this.#firstId);
    this.#more?.forEach(fn);
  }
}
