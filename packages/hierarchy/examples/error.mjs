// Runnable: node examples/error.mjs (after installing @coreflux/hierarchy)
import { HierarchyError } from "@coreflux/hierarchy";

const error = new HierarchyError("INVALID_ARGUMENT", "example");
if (error.code !== "INVALID_ARGUMENT" || !(error instanceof Error)) process.exit(1);
console.log(`${error.name}: ${error.code}`);
