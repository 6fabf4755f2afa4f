import { BoundedCache } from "./bounded-cache";

/** `<name>:<id>` with a lower-case name and a canonical decimal id (no leading zeros, ≤ 9 digits). */
const COMPONENT_KEY = /^([a-z][a-z0-9_]*):(0|[1-9][0-9]{0,8})$/;

/** A parsed Gen2+ component key such as `switch:0`. */
export interface ComponentKey {
  /** The key as written, e.g. `em1data:1`. */
  readonly key: string;
  /** The component type, e.g. `em1data`. */
  readonly name: string;
  /** The component id, e.g. 1. */
  readonly id: number;
}

/** Parsed keys (frames repeat the same few keys); `null` marks a key that does not parse. */
const cache = new BoundedCache<string, ComponentKey | null>(1024);

/** Splits `switch:0` into name and id; `undefined` for singletons (`sys`) and malformed keys. */
export function parseComponentKey(key: string): ComponentKey | undefined {
  const known = cache.get(key);
  if (known !== undefined) return known ?? undefined;
  const match = COMPONENT_KEY.exec(key);
  const parsed = match === null ? null : { key, name: match[1] as string, id: Number(match[2]) };
  if (key.length <= 64) cache.set(key, parsed);
  return parsed ?? undefined;
}
