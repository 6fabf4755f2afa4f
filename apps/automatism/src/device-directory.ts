/** What the automatism knows of a device, learned from its messages. */
export interface KnownDevice {
  /** `Office/Room/Device`. */
  path: string;
  /** Its topic prefix (`Coreflux/Porto/Office/Lamp`, Gen1 `shellies/shellyplug-s-7AD4B1`). */
  prefix: string;
  generation: 1 | 2 | 3 | 4;
}

/**
 * The devices seen so far by path: where to send a command (its prefix) and how (its
 * generation). A device that moves to another prefix is followed.
 */
export class DeviceDirectory {
  private readonly byPath = new Map<string, KnownDevice>();

  /** Records a device seen at `prefix`. */
  see(path: string, prefix: string, generation: 1 | 2 | 3 | 4): void {
    const known = this.byPath.get(path);
    if (known !== undefined && known.prefix === prefix && known.generation === generation) return;
    this.byPath.set(path, { path, prefix, generation });
  }

  /** The device at `path`, if seen. */
  get(path: string): KnownDevice | undefined {
    return this.byPath.get(path);
  }

  get size(): number {
    return this.byPath.size;
  }
}
