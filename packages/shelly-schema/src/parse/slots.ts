import type { FieldTable } from "../schemas/field-table";

/**
 * The values of one validated object, one slot per field of its table, in table order (nested
 * tables hold nested slots; absent fields hold `undefined`). Both the byte fast path and the zod
 * path hand readings over in this form, so one set of reading builders serves both, and builders
 * read fields by a fixed index instead of by name (much faster than building objects per message).
 */
export type Slots = readonly unknown[];

/** Field name → slot index of a table. */
export type SlotIndex<T extends FieldTable> = { readonly [K in keyof T]: number };

/** The slot index of every field of `table` (its key order). */
export function slotIndex<const T extends FieldTable>(table: T): SlotIndex<T> {
  const index: Record<string, number> = {};
  Object.keys(table).forEach((name, position) => {
    index[name] = position;
  });
  return index as SlotIndex<T>;
}

/** A zod-validated object as slots of its table (used on the general path). */
export function toSlots(table: FieldTable, value: Record<string, unknown>): Slots {
  const slots: unknown[] = [];
  for (const [name, kind] of Object.entries(table)) {
    const field = value[name];
    slots.push(
      typeof kind === "string" || field === undefined
        ? field
        : toSlots(kind, field as Record<string, unknown>),
    );
  }
  return slots;
}
