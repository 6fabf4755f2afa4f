import * as z from "zod";
import { SHELLY_MAX_DEVICE_TS_S } from "../limits";

/**
 * The value types a Shelly status field can have, each with the one zod schema that checks it.
 * The component schemas are built from tables of these kinds (see {@link looseObjectFromFields}),
 * and the byte-level fast path (`parse/fast`) reads the same tables, so both accept the same fields
 * with the same types by construction.
 */
export const leafSchemas = {
  /** Any finite JSON number (zod rejects NaN and ±Infinity). */
  number: z.number(),
  /** A finite number or `null` (Shelly types most EM measurements "number or null"). */
  nullableNumber: z.number().nullable(),
  /** A cumulative counter: finite and >= 0. */
  counter: z.number().nonnegative(),
  /** A counter or `null`. */
  nullableCounter: z.number().nonnegative().nullable(),
  /** A device timestamp in unix seconds: 0 ≤ ts ≤ `SHELLY_MAX_DEVICE_TS_S`. */
  unixSeconds: z.number().min(0).max(SHELLY_MAX_DEVICE_TS_S),
  /** A component id: a safe integer >= 0. */
  componentId: z.number().int().nonnegative(),
  boolean: z.boolean(),
  string: z.string(),
  numberArray: z.array(z.number()),
  stringArray: z.array(z.string()),
} as const;

/** Name of a leaf value type, a key of {@link leafSchemas}. */
export type LeafKind = keyof typeof leafSchemas;

/** Field name → value type, or a nested table for a nested object (`aenergy`, `temperature`). */
export interface FieldTable {
  readonly [field: string]: LeafKind | FieldTable;
}

/** `T` when it is a zod schema (lets TypeScript check the generic constraint). */
type AsSchema<T> = T extends z.core.SomeType ? T : never;
/** `T` when it is a zod object shape. */
type AsShape<T> = T extends z.core.$ZodLooseShape ? T : never;

/** The zod schema of one field kind. */
type SchemaOf<F> = F extends LeafKind
  ? (typeof leafSchemas)[F]
  : F extends FieldTable
    ? z.ZodObject<AsShape<ShapeOf<F>>, z.core.$loose>
    : never;

/** The zod shape a field table stands for: every field optional. */
export type ShapeOf<T extends FieldTable> = {
  -readonly [K in keyof T]: z.ZodOptional<AsSchema<SchemaOf<T[K]>>>;
};

/**
 * A loose zod object for a field table: every listed field optional (NotifyStatus deltas may omit
 * any of them), every unlisted field accepted and passed through untouched.
 */
export function looseObjectFromFields<const T extends FieldTable>(
  fields: T,
): z.ZodObject<AsShape<ShapeOf<T>>, z.core.$loose> {
  const shape: Record<string, z.ZodOptional<z.ZodType>> = {};
  for (const [name, kind] of Object.entries(fields)) {
    const inner = typeof kind === "string" ? leafSchemas[kind] : looseObjectFromFields(kind);
    shape[name] = inner.optional();
  }
  return z.looseObject(shape) as unknown as z.ZodObject<AsShape<ShapeOf<T>>, z.core.$loose>;
}
