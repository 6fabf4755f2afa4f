import { SHELLY_MAX_DEVICE_TS_S } from "../../limits";
import type { FieldTable, LeafKind } from "../../schemas/field-table";
import type { Slots } from "../slots";
import { BYTE, type ByteScanner, decline, keyFingerprint } from "./byte-scanner";

/** Leaf kinds as small integers, so that reading a field is a jump table, not string compares. */
const KIND_CODES: { readonly [K in LeafKind]: number } = {
  number: 0,
  nullableNumber: 1,
  counter: 2,
  nullableCounter: 3,
  unixSeconds: 4,
  componentId: 5,
  boolean: 6,
  string: 7,
  numberArray: 8,
  stringArray: 9,
};
/** Code of a nested table. */
const NESTED = 10;

interface Slot {
  readonly index: number;
  readonly bytes: Uint8Array;
  readonly code: number;
  readonly nested: FastTable | undefined;
  /** The field that followed this one last time (devices repeat their field order). */
  next: Slot | undefined;
}

/** ASCII text as bytes, for comparing keys. */
export function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Bucket of a key fingerprint in a table of `mask + 1` buckets (mixes the high bits in). */
function bucketOf(hash: number, mask: number): number {
  return (hash ^ (hash >>> 7) ^ (hash >>> 15)) & mask;
}

/**
 * A field table prepared for the byte scanner: field names are looked up by the fingerprint of
 * the key the scanner just read (an open-addressing table, at most a quarter full), then compared
 * byte by byte. No string is built for a key.
 */
export class FastTable {
  private readonly mask: number;
  private readonly hashes: Int32Array;
  private readonly slots: (Slot | undefined)[];
  /** Slots of an object with no fields yet, copied for every object read. */
  readonly empty: readonly undefined[];
  /** The field that came first last time. */
  first: Slot | undefined = undefined;

  constructor(fields: FieldTable) {
    const names = Object.keys(fields);
    this.empty = names.map(() => undefined);
    let size = 16;
    while (size < names.length * 4) size *= 2;
    this.mask = size - 1;
    this.hashes = new Int32Array(size);
    this.slots = Array.from({ length: size }, () => undefined);
    names.forEach((name, index) => {
      const kind = fields[name] as LeafKind | FieldTable;
      const bytes = asciiBytes(name);
      const slot: Slot =
        typeof kind === "string"
          ? { index, bytes, code: KIND_CODES[kind], nested: undefined, next: undefined }
          : { index, bytes, code: NESTED, nested: new FastTable(kind), next: undefined };
      const hash = keyFingerprint(bytes, 0, bytes.length);
      let bucket = bucketOf(hash, this.mask);
      while (this.slots[bucket] !== undefined) bucket = (bucket + 1) & this.mask;
      this.slots[bucket] = slot;
      this.hashes[bucket] = hash;
    });
  }

  /** The slot of the key the scanner just read, if it is one of this table's fields. */
  find(scanner: ByteScanner): Slot | undefined {
    const hash = scanner.keyFingerprint();
    const mask = this.mask;
    let bucket = bucketOf(hash, mask);
    for (;;) {
      const slot = this.slots[bucket];
      if (slot === undefined) return undefined;
      if (this.hashes[bucket] === hash && scanner.keyEquals(slot.bytes)) return slot;
      bucket = (bucket + 1) & mask;
    }
  }
}

function readNumberArray(scanner: ByteScanner): number[] {
  const values: number[] = [];
  if (scanner.openArray()) return values;
  do values.push(scanner.readNumber());
  while (scanner.next(BYTE.RBRACKET));
  return values;
}

function readStringArray(scanner: ByteScanner): string[] {
  const values: string[] = [];
  if (scanner.openArray()) return values;
  do values.push(scanner.readString());
  while (scanner.next(BYTE.RBRACKET));
  return values;
}

function readCode(scanner: ByteScanner, code: number): unknown {
  switch (code) {
    case 0:
      return scanner.readNumber();
    case 1:
      return scanner.readNull() ? null : scanner.readNumber();
    case 2: {
      const value = scanner.readNumber();
      if (!(value >= 0)) decline();
      return value;
    }
    case 3: {
      if (scanner.readNull()) return null;
      const value = scanner.readNumber();
      if (!(value >= 0)) decline();
      return value;
    }
    case 4: {
      const value = scanner.readNumber();
      if (!(value >= 0 && value <= SHELLY_MAX_DEVICE_TS_S)) decline();
      return value;
    }
    case 5: {
      const value = scanner.readNumber();
      if (!Number.isSafeInteger(value) || value < 0) decline();
      return value;
    }
    case 6:
      return scanner.readBoolean();
    case 7:
      return scanner.readString();
    case 8:
      return readNumberArray(scanner);
    case 9:
      return readStringArray(scanner);
    default:
      return decline();
  }
}

/**
 * Reads one value of a leaf kind with exactly the checks of its zod schema in `leafSchemas`
 * (declining wherever zod would reject, so that zod reports the error).
 */
export function readField(scanner: ByteScanner, kind: LeafKind): unknown {
  return readCode(scanner, KIND_CODES[kind]);
}

/**
 * Reads a JSON object against a field table: known fields are read and checked into their slots,
 * unknown ones skipped (syntax-checked only), exactly what the loose zod schema accepts. A
 * repeated known field declines (JSON.parse would keep the last one; the general path handles it).
 */
export function readObject(scanner: ByteScanner, table: FastTable): Slots {
  const slots = table.empty.slice() as unknown[];
  if (scanner.openObject()) return slots;
  let previous: Slot | undefined;
  let guess = table.first;
  do {
    // The field that followed last time is checked in one pass; anything else is looked up.
    scanner.expect(BYTE.QUOTE);
    let slot: Slot | undefined;
    if (guess !== undefined && scanner.matchKey(guess.bytes)) slot = guess;
    else {
      scanner.scanKeyBody();
      slot = table.find(scanner);
    }
    if (slot === undefined) {
      scanner.skipValue(0);
      continue;
    }
    if (slots[slot.index] !== undefined) decline();
    slots[slot.index] =
      slot.nested === undefined ? readCode(scanner, slot.code) : readObject(scanner, slot.nested);
    // Learn the order (a pure speed hint: a wrong guess only costs a lookup).
    if (previous === undefined) {
      if (table.first !== slot) table.first = slot;
    } else if (previous.next !== slot) previous.next = slot;
    previous = slot;
    guess = slot.next;
  } while (scanner.next(BYTE.RBRACE));
  return slots;
}
