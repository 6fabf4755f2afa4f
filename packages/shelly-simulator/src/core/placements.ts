/**
 * Where a device whose topic does not name its place belongs: the aggregator's `[[devices]]`
 * entry. `match` is the topic prefix (`shellies/shellyplug-s-7AD4B1`, `shellyplusplugs-<hex>`),
 * `path` is `Office/Room/Device` under the company.
 */
export interface PlacementRule {
  match: string;
  path: string;
}

function tomlString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The rules as the aggregator's TOML `[[devices]]` tables, ready to paste into its config. */
export function formatPlacementsToml(rules: readonly PlacementRule[], header?: string): string {
  let out = header === undefined ? "" : `${header.replace(/^/gm, "# ")}\n`;
  for (const rule of rules) {
    out += `\n[[devices]]\nmatch = ${tomlString(rule.match)}\npath = ${tomlString(rule.path)}\n`;
  }
  return out;
}
