type PlainObject = Record<string, unknown>;

/**
 * A partial status as NotifyStatus sends it: any field of `T` may be missing, at any depth
 * (arrays are replaced whole, so they stay as they are).
 */
export type ShellyStatusDelta<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends object
      ? ShellyStatusDelta<T[K]>
      : T[K];
};

function isPlainObject(value: unknown): value is PlainObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function setOwn(target: PlainObject, key: string, value: unknown): void {
  // defineProperty, not assignment: a "__proto__" key from JSON stays a plain data property.
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

function copyOf(source: PlainObject): PlainObject {
  const copy: PlainObject = {};
  for (const key of Object.keys(source)) setOwn(copy, key, source[key]);
  return copy;
}

/**
 * Overlays a partial NotifyStatus component (`delta`) on the last full status of the same
 * component (`previous`), so that the result equals a fresh full status (REFERENCE §3.4, the
 * aioshelly merge rules): plain objects are merged key by key at every depth; arrays (`errors`,
 * `by_minute`) and scalars from `delta` replace the previous ones; keys absent from `delta` are
 * kept (a merge never deletes, so a cleared `errors` lingers until the next full status).
 *
 * Never mutates its inputs. The result shares unchanged sub-objects and arrays with them, so
 * treat it as immutable too. `previous` may be `undefined` (no full status seen yet). Works on
 * any nesting depth without recursion.
 */
export function mergeShellyStatus<T extends PlainObject>(
  previous: T | undefined,
  delta: ShellyStatusDelta<T>,
): T {
  const root = copyOf(previous ?? {});
  const pending: Array<[PlainObject, PlainObject]> = [[root, delta as PlainObject]];
  for (let pair = pending.pop(); pair !== undefined; pair = pending.pop()) {
    const [target, source] = pair;
    for (const key of Object.keys(source)) {
      const incoming = source[key];
      const existing = Object.hasOwn(target, key) ? target[key] : undefined;
      if (isPlainObject(incoming) && isPlainObject(existing)) {
        const merged = copyOf(existing);
        setOwn(target, key, merged);
        pending.push([merged, incoming]);
      } else {
        setOwn(target, key, incoming);
      }
    }
  }
  return root as T;
}
