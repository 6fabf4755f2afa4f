/**
 * @coreflux/config: the Coreflux `config.toml`, read with smol-toml and validated with zod.
 * Every problem names the file, the line and the key; loading never throws on bad input.
 *
 * - The generic loader: {@link loadTomlConfig}, {@link parseTomlConfig}, {@link formatProblem},
 *   environment overrides ({@link EnvOverride}) and extra checks ({@link ConfigCheck}).
 * - The system's schema: {@link systemConfigSchema}, every table of every service.
 */
export { applyEnvOverrides, type EnvOverride, type EnvOverrideResult } from "./env-overrides";
export {
  type ConfigCheck,
  type ConfigIssue,
  type LoadOptions,
  loadTomlConfig,
  parseTomlConfig,
} from "./load";
export { type DevicePlacementRule, Placement } from "./placement";
export { type ConfigProblem, type ConfigResult, formatProblem } from "./problem";
export { WEEKDAYS, type Weekday } from "./system/automatism-rule";
export {
  type CompanyConfig,
  instanceName,
  isWithin,
  subtreeRoot,
} from "./system/company";
export { isLoopback } from "./system/http";
export { brokerUrlProblem, brokerUrls } from "./system/mqtt";
export { embeddedBrokerProtocol, MQTT_ENV_OVERRIDES } from "./system/mqtt-env";
export { type RollupConfig, rollupChecks, rollupSourceLevel } from "./system/rollup";
export {
  type AutomatismConfig,
  type AutomatismRule,
  type SystemConfig,
  systemConfigSchema,
} from "./system/schema";
export { parseTimeWindow, type TimeWindow } from "./system/time-window";
export { brokerTopicAdvisory, topicSegmentHazard } from "./system/topic-names";
export { findKeyLine } from "./toml-lines";
