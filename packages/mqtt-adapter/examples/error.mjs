// Runnable: node examples/error.mjs (after installing @coreflux/mqtt-adapter)
import { MqttAdapterError } from "@coreflux/mqtt-adapter";

const error = new MqttAdapterError("INVALID_TOPIC_FILTER", "example");
if (error.code !== "INVALID_TOPIC_FILTER" || !(error instanceof Error)) process.exit(1);
console.log(`${error.name}: ${error.code}`);
