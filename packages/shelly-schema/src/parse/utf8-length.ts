/**
 * Whether `text`, encoded as UTF-8 the way an MQTT client would (an unpaired surrogate becomes the
 * 3-byte U+FFFD), is longer than `limit` bytes. Stops as soon as the answer is known, so a 10 MB
 * string costs nothing to reject.
 */
export function utf8LengthExceeds(text: string, limit: number): boolean {
  const units = text.length;
  // Every UTF-16 unit takes 1 to 3 bytes (a surrogate pair: 4 bytes for 2 units).
  if (units > limit) return true;
  if (units * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < units; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < units) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 3;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}
