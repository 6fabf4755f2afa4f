import type { EnvOverride } from "../env-overrides";
import { brokerUrlProblem } from "./mqtt";

/**
 * The broker's URL and credentials from the environment, for every service that connects to
 * `[mqtt]`: `COREFLUX_MQTT_URL` (checked like the file's url), `COREFLUX_MQTT_USERNAME`,
 * `COREFLUX_MQTT_PASSWORD`.
 */
export const MQTT_ENV_OVERRIDES: readonly EnvOverride[] = [
  { variable: "COREFLUX_MQTT_URL", key: "mqtt.url", validate: brokerUrlProblem },
  { variable: "COREFLUX_MQTT_USERNAME", key: "mqtt.username" },
  { variable: "COREFLUX_MQTT_PASSWORD", key: "mqtt.password" },
];
