import type { EnvOverride } from "../env-overrides";
import { brokerUrlProblem } from "./mqtt";

/**
 * The broker's URL and credentials from the environment, for every service that connects to
 * `[mqtt]`: `COREFLUX_MQTT_URL` (checked like the file's url; a comma list names several nodes and
 * replaces `[mqtt] urls` too), `COREFLUX_MQTT_USERNAME`,
 * `COREFLUX_MQTT_PASSWORD`.
 */
export const MQTT_ENV_OVERRIDES: readonly EnvOverride[] = [
  { variable: "COREFLUX_MQTT_URL", key: "mqtt.url", validate: brokerUrlProblem },
  { variable: "COREFLUX_MQTT_USERNAME", key: "mqtt.username" },
  { variable: "COREFLUX_MQTT_PASSWORD", key: "mqtt.password" },
];

/**
 * `protocol_version = 5` needs a broker that speaks it: the embedded broker (no `[mqtt] url`)
 * speaks MQTT 3.1.1 only. A check, not part of the schema: the URL may come from the environment.
 */
export function embeddedBrokerProtocol(config: {
  mqtt: { url?: string | undefined; urls?: string[] | undefined; protocol_version: 4 | 5 };
}): { path: string[]; message: string }[] {
  return config.mqtt.url === undefined &&
    config.mqtt.urls === undefined &&
    config.mqtt.protocol_version === 5
    ? [
        {
          path: ["mqtt", "protocol_version"],
          message:
            "the embedded broker (no [mqtt] url) speaks MQTT 3.1.1 only: use protocol_version = 4, or set [mqtt] url to a broker that speaks MQTT 5",
        },
      ]
    : [];
}
