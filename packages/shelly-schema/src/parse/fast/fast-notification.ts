import type { ShellyNotificationMethod } from "../../schemas/notification-frame";
import { parseComponentKey } from "../component-key";
import { COMPONENTS, SYS } from "../components";
import type { FrameEntry, FrameParts } from "../notification-message";
import { BYTE, type ByteScanner, decline } from "./byte-scanner";
import { attemptFast } from "./fast-parse";
import { asciiBytes, FastTable, readField, readObject } from "./fast-table";

const ENVELOPE = new FastTable({ src: "string", dst: "string", method: "string" });
const SRC = 0;
const DST = 1;
const PARAMS_KEY = asciiBytes("params");
const TS_KEY = asciiBytes("ts");

function hasEntry(entries: readonly FrameEntry[], name: string): boolean {
  return entries.some((entry) => (entry.key === "sys" ? name === "sys" : entry.key.key === name));
}

function readParams(scanner: ByteScanner): { ts: number | undefined; entries: FrameEntry[] } {
  const entries: FrameEntry[] = [];
  let ts: number | undefined;
  if (scanner.openObject()) return { ts, entries };
  do {
    scanner.scanKey();
    if (scanner.keyEquals(TS_KEY)) {
      if (ts !== undefined) decline();
      ts = readField(scanner, "unixSeconds") as number;
      continue;
    }
    const name = scanner.keyText();
    if (name === "sys") {
      if (hasEntry(entries, name)) decline();
      entries.push({ key: "sys", status: readObject(scanner, SYS.fast) });
      continue;
    }
    const key = parseComponentKey(name);
    const spec = key === undefined ? undefined : COMPONENTS.get(key.name);
    if (key === undefined || spec === undefined) {
      scanner.skipValue(0);
      continue;
    }
    if (hasEntry(entries, name)) decline();
    entries.push({ key, spec, status: readObject(scanner, spec.fast) });
  } while (scanner.next(BYTE.RBRACE));
  return { ts, entries };
}

function readFrame(scanner: ByteScanner): FrameParts {
  let src: string | undefined;
  let seenDst = false;
  let method: string | undefined;
  let params: { ts: number | undefined; entries: FrameEntry[] } | undefined;
  if (scanner.openObject()) decline();
  do {
    scanner.scanKey();
    if (scanner.keyEquals(PARAMS_KEY)) {
      if (params !== undefined) decline();
      params = readParams(scanner);
      continue;
    }
    const slot = ENVELOPE.find(scanner);
    if (slot === undefined) {
      scanner.skipValue(0);
      continue;
    }
    if (slot.index === SRC) {
      if (src !== undefined) decline();
      src = scanner.readString();
    } else if (slot.index === DST) {
      // Checked (a string, given once) but not needed: the message does not carry `dst`.
      if (seenDst) decline();
      scanner.skipString();
      seenDst = true;
    } else {
      if (method !== undefined) decline();
      method = scanner.readString();
    }
  } while (scanner.next(BYTE.RBRACE));
  if (params === undefined || (method !== "NotifyStatus" && method !== "NotifyFullStatus")) {
    return decline();
  }
  const known: ShellyNotificationMethod = method;
  return { src, method: known, ts: params.ts, entries: params.entries, events: undefined };
}

/**
 * A NotifyStatus / NotifyFullStatus frame read straight from bytes: the same parts the general
 * path produces, or `undefined` when the fast path declines (NotifyEvent, unknown methods,
 * escapes, non-ASCII, anything invalid: the general path decides those).
 */
export function fastNotification(bytes: Uint8Array): FrameParts | undefined {
  return attemptFast(bytes, readFrame, undefined);
}
