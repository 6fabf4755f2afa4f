/**
 * `text` cut to at most `max` characters (ending in "…" when cut), never splitting a surrogate
 * pair, so error messages stay short whatever the input was.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A clipped excerpt of untrusted text, quoted and with control characters escaped, for messages. */
export function excerpt(text: string, max = 60): string {
  return JSON.stringify(clip(text, max));
}
