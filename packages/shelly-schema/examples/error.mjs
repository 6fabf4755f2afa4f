// Runnable: node examples/error.mjs (after installing @coreflux/shelly-schema)
import { ShellySchemaError } from "@coreflux/shelly-schema";

const error = new ShellySchemaError("INVALID_OPTIONS", "example");
if (error.code !== "INVALID_OPTIONS" || !(error instanceof Error)) process.exit(1);
console.log(`${error.name}: ${error.code}`);
