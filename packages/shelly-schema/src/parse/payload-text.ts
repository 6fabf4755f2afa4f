/**
 * The WHATWG `TextDecoder`, global in Node and browsers. Declared here because shipped code is
 * typechecked without DOM or Node types.
 */
declare const TextDecoder: new (
  label: "utf-8",
  options: { fatal: boolean; ignoreBOM: boolean },
) => { decode(input: Uint8Array): string };

// fatal: invalid UTF-8 throws instead of becoming U+FFFD. ignoreBOM: keep a leading BOM as U+FEFF,
// so bytes decode to exactly the string a caller would have passed (both then fail alike).
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The payload as text: strings as they are, bytes decoded as strict UTF-8 (`undefined` if invalid). */
export function payloadText(payload: string | Uint8Array): string | undefined {
  if (typeof payload === "string") return payload;
  try {
    return decoder.decode(payload);
  } catch {
    return undefined;
  }
}
