/** A `[[devices]]` entry: a topic prefix or Shelly id, and where it goes. */
export interface DevicePlacementRule {
  match: string;
  /** "Office/Room/Device". */
  path: string;
}

/** Where a Gen1 device's topics begin: `shellies/<id>/…`. */
const GEN1_PREFIX = "shellies/";

/**
 * Decides where a device sits in the tree (`[[devices]]`, shared by every service that reads
 * device topics). A `[[devices]]` rule wins (matched against the topic
 * prefix, the Gen2 `src` id, or the Gen1 id in `shellies/<id>`); otherwise a prefix
 * `<Company>/<Office>/<Room>/<Device>` of our company places itself. Anything else is unplaced.
 */
export class Placement {
  /**
   * The `[[devices]]` rules: match → the rule's own "Office/Room/Device" text. A path array per
   * rule (two objects and its segments' strings, for the life of the process) is made when a
   * device is placed instead: once per device for a service that keeps what it placed.
   */
  private readonly rules = new Map<string, string>();
  /** The subtrees this instance owns (company first); `[[company]]` alone for the whole company. */
  readonly roots: readonly (readonly string[])[];

  constructor(
    /** The company name: the first segment of the company filter. */
    readonly company: string,
    rules: readonly DevicePlacementRule[],
    /** The subtree roots of a partition (`[company] topics`); default the whole company. */
    roots: readonly (readonly string[])[] = [[company]],
  ) {
    for (const rule of rules) this.rules.set(rule.match, rule.path);
    this.roots = roots;
  }

  /** True when a device at `path` (company first) belongs to this instance's subtrees. */
  owns(path: readonly string[]): boolean {
    return this.roots.some(
      (root) => path.length >= root.length && root.every((segment, i) => path[i] === segment),
    );
  }

  /** True when `path` lies above a subtree root (a level this instance must not publish). */
  isAboveRoots(path: readonly string[]): boolean {
    return this.roots.some(
      (root) => path.length < root.length && path.every((segment, i) => root[i] === segment),
    );
  }

  /** Devices the `[[devices]]` rules can place (each rule places one device). */
  get ruleCount(): number {
    return this.rules.size;
  }

  /** The device's path (company first, 4 segments), or undefined if it is not placed. */
  place(prefix: string, src: string | undefined): string[] | undefined {
    return this.placeByRule(prefix, src) ?? this.placeByTopic(prefix);
  }

  /** The path a `[[devices]]` rule gives the device, if one does (a new array each call). */
  placeByRule(prefix: string, src: string | undefined): string[] | undefined {
    const text = this.ruleFor(prefix, src);
    return text === undefined ? undefined : this.rulePath(text);
  }

  /** The matching rule's "Office/Room/Device": by topic prefix, else by `src`, else by Gen1 id. */
  private ruleFor(prefix: string, src: string | undefined): string | undefined {
    if (this.rules.size === 0) return undefined;
    return (
      this.rules.get(prefix) ??
      (src === undefined ? undefined : this.rules.get(src)) ??
      (prefix.startsWith(GEN1_PREFIX)
        ? this.rules.get(prefix.slice(GEN1_PREFIX.length))
        : undefined)
    );
  }

  /** A rule's "Office/Room/Device" as a path, company first. */
  private rulePath(text: string): string[] {
    return [this.company, ...text.split("/")];
  }

  /** The path of a `<Company>/<Office>/<Room>/<Device>` prefix of our company. */
  placeByTopic(prefix: string): string[] | undefined {
    const segments = prefix.split("/");
    if (segments.length === 4 && segments[0] === this.company && segments.every((s) => s !== ""))
      return segments;
    return undefined;
  }

  /**
   * Topic filters to subscribe to: the company filter(s), plus what the `[[devices]]` rules that
   * place a device in this instance's subtrees need outside them (`<prefix>/#`; for a bare id
   * both `<id>/#` and Gen1 `shellies/<id>/#`).
   */
  subscriptions(companyFilters: string | readonly string[]): string[] {
    const own = typeof companyFilters === "string" ? [companyFilters] : companyFilters;
    const filters = new Set(own);
    const companyPrefix = `${this.company}/`;
    for (const [match, text] of this.rules) {
      if (!this.owns(this.rulePath(text))) continue;
      const candidates = match.includes("/")
        ? [`${match}/#`]
        : [`${match}/#`, `${GEN1_PREFIX}${match}/#`];
      for (const filter of candidates) {
        // Inside one of our subtrees the subtree's filter has it already.
        if (
          !(filter.startsWith(companyPrefix) && own.some((f) => filter.startsWith(f.slice(0, -1))))
        )
          filters.add(filter);
      }
    }
    return [...filters];
  }
}
