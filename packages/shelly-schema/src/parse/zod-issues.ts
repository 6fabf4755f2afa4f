import type * as z from "zod";
import type { ShellyParseResult } from "../output/parse-result";
import { clip } from "./clip";
import { failure } from "./results";

/** Parse options for every `safeParse` on untrusted data: keep the input on issues to classify it. */
export const REPORT_INPUT = { reportInput: true } as const;

/**
 * True when the value had the right JSON type but an impossible value: a number out of range
 * (negative counter, timestamp too far out), non-finite (JSON `1e400` parses to Infinity) or not an
 * integer where an id is expected.
 */
function isValueIssue(issue: z.core.$ZodIssue): boolean {
  if (issue.code === "too_small" || issue.code === "too_big") return true;
  // A number where a number is expected fails as "invalid_type" only when non-finite or fractional.
  return (
    issue.code === "invalid_type" &&
    typeof issue.input === "number" &&
    (issue.expected === "number" || issue.expected === "int")
  );
}

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((segment) =>
      typeof segment === "number" ? `[${segment}]` : `.${clip(String(segment), 24)}`,
    )
    .join("");
}

/**
 * The parse failure for a zod error, from its first issue: `INVALID_VALUE` for impossible values,
 * `SCHEMA_MISMATCH` for everything else. `where` names the checked part of the payload.
 */
export function schemaFailure(error: z.ZodError, where: string): ShellyParseResult {
  const issue = error.issues[0];
  if (issue === undefined) return failure("SCHEMA_MISMATCH", `${where} does not match the schema`);
  const code = isValueIssue(issue) ? "INVALID_VALUE" : "SCHEMA_MISMATCH";
  const at = `${where}${pathText(issue.path)}` || "payload";
  return failure(code, `${at}: ${clip(issue.message, 120)}`);
}
