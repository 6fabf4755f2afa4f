/** A `[[devices]]` entry: a topic prefix or Shelly id, and where it goes. */
export interface DevicePlacementRule {
  match: string;
  /** "Office/Room/Device". */
  path: string;
}

/**
 * Decides where a device sits in the tree (`[[devices]]`, shared by every service that reads
 * device topics). A `[[devices]]` rule wins (matched against the topic
 * prefix, the Gen2 `src` id, or the Gen1 id in `shellies/<id>`); otherwise a prefix
 * `<Company>/<Office>/<Room>/<Device>` of our company places itself. Anything else is unplaced.
 */
export class Placement {
  private readonly rules = new Map<string, string[]>();

  constructor(
    /** The company name: the first segment of the company filter. */
    readonly company: string,
    rules: readonly DevicePlacementRule[],
  ) {
    for (const rule of rules) this.rules.set(rule.match, [company, ...rule.path.split("/")]);
  }

  /** Devices the `[[devices]]` rules can place (each rule places one device). */
  get ruleCount(): number {
    return this.rules.size;
  }

  /** The device's path (company first, 4 segments), or undefined if it is not placed. */
  place(prefix: string, src: string | undefined): string[] | undefined {
    return this.placeByRule(prefix, src) ?? this.placeByTopic(prefix);
  }

  /** The path a `[[devices]]` rule gives the device, if one does. */
  placeByRule(prefix: string, src: string | undefined): string[] | undefined {
    if (this.rules.size === 0) return undefined;
    const byPrefix = this.rules.get(prefix);
    if (byPrefix) return byPrefix;
    if (src !== undefined) {
      const bySrc = this.rules.get(src);
      if (bySrc) return bySrc;
    }
    if (prefix.startsWith("shellies/")) return this.rules.get(prefix.slice("shellies/".length));
    return undefined;
  }

  /** The path of a `<Company>/<Office>/<Room>/<Device>` prefix of our company. */
  placeByTopic(prefix: string): string[] | undefined {
    const segments = prefix.split("/");
    if (segments.length === 4 && segments[0] === this.company && segments.every((s) => s !== ""))
      return segments;
    return undefined;
  }

  /**
   * Topic filters to subscribe to: the company filter, plus what the `[[devices]]` rules need
   * outside it (`<prefix>/#`; for a bare id both `<id>/#` and Gen1 `shellies/<id>/#`).
   */
  subscriptions(companyFilter: string): string[] {
    const filters = new Set([companyFilter]);
    const companyPrefix = `${this.company}/`;
    for (const match of this.rules.keys()) {
      const candidates = match.includes("/")
        ? [`${match}/#`]
        : [`${match}/#`, `shellies/${match}/#`];
      for (const filter of candidates) if (!filter.startsWith(companyPrefix)) filters.add(filter);
    }
    return [...filters];
  }
}
