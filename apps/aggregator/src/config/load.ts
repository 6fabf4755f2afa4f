import {
  brokerTopicAdvisory,
  type ConfigCheck,
  type ConfigProblem,
  type EnvOverride,
  embeddedBrokerProtocol,
  formatProblem,
  isLoopback,
  loadTomlConfig,
  MQTT_ENV_OVERRIDES,
  parseTomlConfig,
  rollupChecks,
  type ConfigResult as SharedConfigResult,
  type SystemConfig,
  systemConfigSchema,
} from "@coreflux/config";
import { checkZoneAlignment, HistoryError } from "@coreflux/history";

export type { ConfigProblem };
export { formatProblem };

/**
 * The aggregator's view of the system's `config.toml`: every table, defaults applied. It accepts
 * the other services' tables (`[automatism]`) and ignores them.
 */
export type AggregatorConfig = SystemConfig;

/** Result of {@link loadConfig}: the config, or every problem found (never throws). */
export type ConfigResult = SharedConfigResult<AggregatorConfig>;

/**
 * Environment variables that override the file: only URLs and secrets. The broker's URL and
 * credentials, and the history database's password (only when `[history]` is configured).
 */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  ...MQTT_ENV_OVERRIDES,
  { variable: "COREFLUX_HISTORY_PASSWORD", key: "history.password" },
  { variable: "COREFLUX_HTTP_TOKEN", key: "http.token" },
];

/**
 * The web view and its API are read-only but show the company's energy: bound to anything but
 * a loopback address they need `[http] token`.
 */
const tokenOffLoopback: ConfigCheck<AggregatorConfig> = (config) =>
  config.http.port !== undefined && !isLoopback(config.http.host) && config.http.token === undefined
    ? [
        {
          path: ["http", "host"],
          message: `${config.http.host} is reachable from other machines: set [http] token (or COREFLUX_HTTP_TOKEN) for the web view and its API, or bind 127.0.0.1`,
        },
      ]
    : [];

/**
 * History periods must be whole local periods in the accounting zone (an hour is not one in
 * UTC+5:30). Needs the history package and the clock, so it is a check, not part of the schema.
 */
const historyZoneAligned: ConfigCheck<AggregatorConfig> = (config) => {
  if (config.history === undefined) return [];
  const zone = config.accounting.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    checkZoneAlignment(zone, config.history.period_minutes, Date.now());
    return [];
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    return [{ path: ["history", "period_minutes"], message: error.message }];
  }
};

const options = (env: Record<string, string | undefined>) => ({
  env,
  overrides: ENV_OVERRIDES,
  checks: [historyZoneAligned, tokenOffLoopback, embeddedBrokerProtocol, rollupChecks],
  advisories: [brokerTopicAdvisory],
});

/** Reads, parses and validates a config file, then applies the environment overrides. */
export function loadConfig(
  file: string,
  env: Record<string, string | undefined> = {},
): ConfigResult {
  return loadTomlConfig(file, systemConfigSchema, options(env));
}

/** {@link loadConfig} on text already read. */
export function parseConfig(
  source: string,
  file: string,
  env: Record<string, string | undefined> = {},
): ConfigResult {
  return parseTomlConfig(source, file, systemConfigSchema, options(env));
}
