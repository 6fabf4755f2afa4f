import { z } from "zod";
import { aggregatePayloadSchemas } from "./payload-schema";

/**
 * The JSON Schema (draft 2020-12) of every aggregate payload, generated from the zod schemas
 * that the tests validate real payloads against. Committed as
 * `schema/aggregate-payloads.schema.json`; a test fails when the file is out of date.
 */
export function aggregatePayloadsJsonSchema(): Record<string, unknown> {
  const defs = Object.fromEntries(
    Object.entries(aggregatePayloadSchemas).map(([name, schema]) => [
      name,
      z.toJSONSchema(schema, { target: "draft-2020-12" }),
    ]),
  );
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://github.com/CorefluxCommunity/coreflux-energy-monitoring/apps/aggregator/schema/aggregate-payloads.schema.json",
    title: "Coreflux aggregator payloads",
    description:
      "Payloads published by coreflux-aggregator: device → <Company>/<Office>/<Room>/<Device>/status/EnergyConsumed, " +
      "room → <Company>/<Office>/<Room>/RoomEnergyConsumed, office → <Company>/<Office>/OfficeEnergyConsumed, " +
      "company → <Company>/CompanyEnergyConsumed. Energies in Wh (at most 3 decimals), power in W, times in Unix seconds.",
    anyOf: Object.keys(defs).map((name) => ({ $ref: `#/$defs/${name}` })),
    $defs: Object.fromEntries(
      Object.entries(defs).map(([name, schema]) => [name, stripSchemaKey(schema)]),
    ),
  };
}

function stripSchemaKey(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}
