import type { Slots } from "../slots";
import { ByteScanner, FAST_PATH_DECLINED } from "./byte-scanner";
import { type FastTable, readObject } from "./fast-table";

/**
 * Runs `read(scanner, context)` over the whole payload; `undefined` when the fast path declines
 * (or when anything but whitespace follows the value). Any other error propagates: it is a bug.
 */
export function attemptFast<T, C>(
  bytes: Uint8Array,
  read: (scanner: ByteScanner, context: C) => T,
  context: C,
): T | undefined {
  const scanner = new ByteScanner(bytes);
  try {
    const value = read(scanner, context);
    return scanner.atEnd() ? value : undefined;
  } catch (error) {
    if (error === FAST_PATH_DECLINED) return undefined;
    throw error;
  }
}

/**
 * A whole payload that is one component status (`<prefix>/status/<component>`), read with the
 * component's table; `undefined` when the fast path declines.
 */
export function fastComponentStatus(bytes: Uint8Array, table: FastTable): Slots | undefined {
  return attemptFast(bytes, readObject, table);
}
