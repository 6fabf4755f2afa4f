import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { aggregatePayloadsJsonSchema } from "./json-schema";

const committed = new URL("../../schema/aggregate-payloads.schema.json", import.meta.url);

describe("committed JSON Schema", () => {
  it("matches the zod schemas (regenerate: pnpm --filter @coreflux/aggregator generate:schema)", () => {
    const generated = `${JSON.stringify(aggregatePayloadsJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMA === "1") writeFileSync(committed, generated);
    expect(readFileSync(committed, "utf8")).toBe(generated);
  });

  it("documents every level and the original field names", () => {
    const schema = aggregatePayloadsJsonSchema() as {
      $defs: Record<string, { properties: Record<string, unknown>; required: string[] }>;
    };
    expect(Object.keys(schema.$defs)).toEqual(["device", "room", "office", "company"]);
    expect(schema.$defs.device?.required).toEqual(
      expect.arrayContaining([
        "Name",
        "Topic",
        "UnixTimestamp",
        "TotalEnergyConsumed",
        "LastEnergyVal",
      ]),
    );
    for (const level of ["room", "office", "company"]) {
      expect(schema.$defs[level]?.required).toEqual(
        expect.arrayContaining(["Name", "Topic", "UnixTimestamp", "TotalEnergy"]),
      );
    }
    expect(Object.keys(schema.$defs.room?.properties ?? {})).toContain("Devices");
    expect(Object.keys(schema.$defs.office?.properties ?? {})).toContain("Rooms");
    expect(Object.keys(schema.$defs.company?.properties ?? {})).toContain("Offices");
  });
});
