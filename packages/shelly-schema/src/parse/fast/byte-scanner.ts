/**
 * A minimal JSON reader over UTF-8 bytes for the fast path. It accepts a strict subset of JSON
 * (ASCII only, no escapes, nesting of skipped values ≤ 16) and throws {@link FAST_PATH_DECLINED}
 * on anything else, so the caller can hand the payload to `JSON.parse` + zod instead. Everything
 * it accepts is valid JSON and reads to the same values `JSON.parse` produces.
 */

import { BoundedCache } from "../bounded-cache";

/** Thrown by the fast path when it declines a payload (one shared instance: no stack capture). */
export const FAST_PATH_DECLINED = new Error("fast path declined the payload");

/** Declines the payload. */
export function decline(): never {
  throw FAST_PATH_DECLINED;
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const LBRACKET = 0x5b;
const BACKSLASH = 0x5c;
const RBRACKET = 0x5d;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

/** Deepest nesting of an unknown (skipped) value the fast path walks before declining. */
const MAX_SKIP_DEPTH = 16;

/** Byte classes inside a string: 0 plain printable ASCII, 1 the closing quote, 2 declined. */
const STRING_BYTE = new Uint8Array(256).map((_, byte) =>
  byte === QUOTE ? 1 : byte < SPACE || byte >= 0x80 || byte === BACKSLASH ? 2 : 0,
);

/**
 * Powers of ten that are exact doubles. For a decimal with at most 15 significant digits,
 * `mantissa / 10^k` is a single correctly rounded IEEE division of two exact values, hence the
 * same double as `JSON.parse` (Clinger's fast path); longer numbers go through `Number()`.
 */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
  1e18, 1e19, 1e20, 1e21, 1e22,
];

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

/** ASCII bytes to a string. */
function ascii(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 32) {
    // A plain view (not `subarray`, which would construct a Buffer for Buffer input).
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
    return String.fromCharCode.apply(null, view as unknown as number[]);
  }
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i] as number);
  return text;
}

/** Strings up to this length are interned (devices repeat ids, methods and keys endlessly). */
const INTERN_LENGTH = 64;
/** Recently seen strings, by a hash of their bytes. */
const interned = new BoundedCache<number, string>(4096);

function sameText(text: string, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}

/** The string of some ASCII bytes, reusing an equal string seen before when there is one. */
function internAscii(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length > INTERN_LENGTH) return ascii(bytes, start, end);
  let hash = length;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + (bytes[i] as number)) | 0;
  const known = interned.get(hash);
  if (known !== undefined && known.length === length && sameText(known, bytes, start)) return known;
  const text = ascii(bytes, start, end);
  interned.set(hash, text);
  return text;
}

/**
 * A cheap fingerprint of a key: its length and three of its bytes. Tables compare the full key
 * after a fingerprint match, so collisions only cost a comparison.
 */
export function keyFingerprint(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0) return 0;
  const first = bytes[start] as number;
  const middle = bytes[start + (length >> 1)] as number;
  const last = bytes[end - 1] as number;
  return (((length * 31 + first) * 31 + middle) * 31 + last) | 0;
}

/** Byte values the other fast-path modules compare against. */
export const BYTE = { QUOTE, COMMA, COLON, LBRACE, RBRACE, LBRACKET, RBRACKET, LOWER_N } as const;

/** A cursor over one payload. */
export class ByteScanner {
  readonly bytes: Uint8Array;
  readonly end: number;
  pos = 0;
  /** Bounds of the last key read by {@link scanKey}. */
  keyStart = 0;
  keyEnd = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.end = bytes.length;
  }

  /** The next byte after whitespace, not consumed; -1 at the end. */
  peek(): number {
    const bytes = this.bytes;
    const end = this.end;
    let i = this.pos;
    // Common case first: no whitespace (every byte that can start a token is above 0x20).
    if (i < end && (bytes[i] as number) > SPACE) return bytes[i] as number;
    while (i < end) {
      const byte = bytes[i] as number;
      if (byte !== SPACE && byte !== LF && byte !== CR && byte !== TAB) {
        this.pos = i;
        return byte;
      }
      i++;
    }
    this.pos = i;
    return -1;
  }

  /** Consumes `byte` after whitespace, or declines. */
  expect(byte: number): void {
    // Common case first: the byte is right there, no whitespace before it.
    if (this.bytes[this.pos] === byte) {
      this.pos++;
      return;
    }
    if (this.peek() !== byte) decline();
    this.pos++;
  }

  /** True when only whitespace is left. */
  atEnd(): boolean {
    return this.peek() === -1;
  }

  /** After a member or element: consumes `,` (true) or `closer` (false), or declines. */
  next(closer: number): boolean {
    const byte = this.peek();
    this.pos++;
    if (byte === COMMA) return true;
    if (byte !== closer) decline();
    return false;
  }

  /** Consumes `{` and reports whether the object is empty (then `}` is consumed too). */
  openObject(): boolean {
    this.expect(LBRACE);
    if (this.peek() !== RBRACE) return false;
    this.pos++;
    return true;
  }

  /** Consumes `[` and reports whether the array is empty (then `]` is consumed too). */
  openArray(): boolean {
    this.expect(LBRACKET);
    if (this.peek() !== RBRACKET) return false;
    this.pos++;
    return true;
  }

  /** Scans a string (escape-free printable ASCII), leaving its bounds in keyStart/keyEnd. */
  private scanString(): void {
    this.expect(QUOTE);
    this.scanStringBody();
  }

  /** {@link scanString} after the opening quote. */
  private scanStringBody(): void {
    const bytes = this.bytes;
    const end = this.end;
    const start = this.pos;
    let i = start;
    for (;;) {
      if (i >= end) decline();
      const byteClass = STRING_BYTE[bytes[i] as number] as number;
      if (byteClass !== 0) {
        if (byteClass === 1) break;
        decline();
      }
      i++;
    }
    this.keyStart = start;
    this.keyEnd = i;
    this.pos = i + 1;
  }

  /** Reads an object key and the `:` after it (see {@link keyEquals}, {@link keyFingerprint}). */
  scanKey(): void {
    this.scanString();
    this.expect(COLON);
  }

  /** {@link scanKey} after the opening quote (see {@link matchKey}). */
  scanKeyBody(): void {
    this.scanStringBody();
    this.expect(COLON);
  }

  /**
   * After a key's opening quote: when the key is exactly `expected` (printable ASCII without
   * quote or backslash, so it needs no further checks), consumes it, its closing quote and the
   * `:`, and returns true. Otherwise consumes nothing and returns false. One pass instead of a
   * scan plus a comparison, for the key a table guessed.
   */
  matchKey(expected: Uint8Array): boolean {
    const bytes = this.bytes;
    const start = this.pos;
    const length = expected.length;
    if (start + length >= this.end || bytes[start + length] !== QUOTE) return false;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== expected[i]) return false;
    this.keyStart = start;
    this.keyEnd = start + length;
    this.pos = start + length + 1;
    this.expect(COLON);
    return true;
  }

  /** The fingerprint of the last scanned key. */
  keyFingerprint(): number {
    return keyFingerprint(this.bytes, this.keyStart, this.keyEnd);
  }

  /** Whether the last scanned key is exactly `expected` (ASCII codes). */
  keyEquals(expected: Uint8Array): boolean {
    const length = this.keyEnd - this.keyStart;
    if (length !== expected.length) return false;
    const bytes = this.bytes;
    const start = this.keyStart;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== expected[i]) return false;
    return true;
  }

  /** The last scanned key as a string. */
  keyText(): string {
    return internAscii(this.bytes, this.keyStart, this.keyEnd);
  }

  readString(): string {
    this.scanString();
    return internAscii(this.bytes, this.keyStart, this.keyEnd);
  }

  /** Checks a string value without building it. */
  skipString(): void {
    this.scanString();
  }

  readBoolean(): boolean {
    const byte = this.peek();
    if (byte === LOWER_T) {
      this.literal("true");
      return true;
    }
    if (byte === LOWER_F) {
      this.literal("false");
      return false;
    }
    return decline();
  }

  /** Consumes `null` if it comes next and reports whether it did. */
  readNull(): boolean {
    if (this.peek() !== LOWER_N) return false;
    this.literal("null");
    return true;
  }

  private literal(word: string): void {
    const bytes = this.bytes;
    const start = this.pos;
    if (start + word.length > this.end) decline();
    for (let i = 0; i < word.length; i++) {
      if (bytes[start + i] !== word.charCodeAt(i)) decline();
    }
    this.pos = start + word.length;
  }

  /** Reads a JSON number; declines on bad syntax and on values that overflow to ±Infinity. */
  readNumber(): number {
    if ((this.bytes[this.pos] as number) <= SPACE) this.peek();
    const bytes = this.bytes;
    const end = this.end;
    const start = this.pos;
    let i = start;
    const negative = i < end && bytes[i] === MINUS;
    if (negative) i++;
    // `digit` is the value of the byte at i when it is a digit, else -1 (also past the end).
    let digit = i < end ? (bytes[i] as number) - ZERO : -1;
    let mantissa = 0;
    let significant = 0;
    if (digit === 0) {
      i++;
    } else if (digit >= 1 && digit <= 9) {
      do {
        mantissa = mantissa * 10 + digit;
        significant++;
        i++;
        digit = i < end ? (bytes[i] as number) - ZERO : -1;
      } while (digit >>> 0 <= 9);
    } else decline();
    let fraction = 0;
    if (i < end && bytes[i] === DOT) {
      i++;
      digit = i < end ? (bytes[i] as number) - ZERO : -1;
      if (digit >>> 0 > 9) decline();
      do {
        mantissa = mantissa * 10 + digit;
        fraction++;
        i++;
        digit = i < end ? (bytes[i] as number) - ZERO : -1;
      } while (digit >>> 0 <= 9);
    }
    let exact = significant + fraction <= 15;
    if (i < end && (bytes[i] === LOWER_E || bytes[i] === UPPER_E)) {
      i++;
      if (i < end && (bytes[i] === PLUS || bytes[i] === MINUS)) i++;
      if (!(i < end && isDigit(bytes[i] as number))) decline();
      do i++;
      while (i < end && isDigit(bytes[i] as number));
      exact = false;
    }
    this.pos = i;
    if (exact) {
      const magnitude = fraction === 0 ? mantissa : mantissa / (POW10[fraction] as number);
      return negative ? -magnitude : magnitude;
    }
    const value = Number(ascii(bytes, start, i));
    if (!Number.isFinite(value)) decline();
    return value;
  }

  /** Skips any JSON value, checking its syntax; declines past {@link MAX_SKIP_DEPTH} levels. */
  skipValue(depth: number): void {
    const byte = this.peek();
    if (byte === QUOTE) {
      this.scanString();
    } else if (byte === LBRACE) {
      if (depth >= MAX_SKIP_DEPTH) decline();
      if (this.openObject()) return;
      do {
        this.scanKey();
        this.skipValue(depth + 1);
      } while (this.next(RBRACE));
    } else if (byte === LBRACKET) {
      if (depth >= MAX_SKIP_DEPTH) decline();
      if (this.openArray()) return;
      do this.skipValue(depth + 1);
      while (this.next(RBRACKET));
    } else if (byte === LOWER_T || byte === LOWER_F) {
      this.readBoolean();
    } else if (byte === LOWER_N) {
      this.readNull();
    } else {
      this.readNumber();
    }
  }
}
