import { AutomationError } from "./errors";

/**
 * A compiled glob over `Office/Room/Device` paths: segments separated by `/`, `*` inside a
 * segment matches any characters but `/` (`Server*`), a segment `**` any number of segments.
 */
export class PathGlob {
  private readonly segments: (string | RegExp)[];

  constructor(readonly pattern: string) {
    if (pattern.length === 0)
      throw new AutomationError("INVALID_RULE", "an empty glob matches nothing");
    this.segments = pattern.split("/").map((s) => {
      if (s === "**") return s;
      if (s.length === 0)
        throw new AutomationError("INVALID_RULE", `glob "${pattern}" has an empty segment`);
      if (!s.includes("*")) return s;
      const escaped = s.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*");
      return new RegExp(`^${escaped}$`);
    });
  }

  /** True when `path` (`Office/Room/Device`) matches. */
  matches(path: string): boolean {
    const have = path.split("/");
    const want = this.segments;
    const match = (i: number, j: number): boolean => {
      if (i === want.length) return j === have.length;
      const w = want[i]!;
      if (w === "**") return match(i + 1, j) || (j < have.length && match(i, j + 1));
      if (j >= have.length) return false;
      const ok = typeof w === "string" ? w === have[j] : w.test(have[j]!);
      return ok && match(i + 1, j + 1);
    };
    return match(0, 0);
  }
}
