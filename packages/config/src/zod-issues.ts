import type { z } from "zod";
import { type ConfigProblem, keyName } from "./problem";
import { findKeyLine } from "./toml-lines";

/**
 * Turns one zod issue into problems located in the TOML source: an unknown-keys issue becomes
 * one problem per key (each on its own line), any other issue one problem at its key.
 */
export function issueToProblems(
  issue: z.core.$ZodIssue,
  source: string,
  file: string,
): ConfigProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => ({
      file,
      line: findKeyLine(source, [...path, k]),
      key: keyName([...path, k]),
      message: "unknown key",
    }));
  }
  return [{ file, line: findKeyLine(source, path), key: keyName(path), message: describe(issue) }];
}

/** The message of an issue; type errors say what was found (its type, never its value). */
function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    return issue.input === undefined
      ? "is required"
      : `expected ${issue.expected}, got ${typeName(issue.input)}`;
  }
  return issue.message;
}

/** The TOML word for a value's type. */
function typeName(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date";
  return typeof value === "object" && value !== null ? "table" : typeof value;
}
