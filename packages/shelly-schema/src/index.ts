// The one public entry of @coreflux/shelly-schema. Everything exported is named here.

export { ShellySchemaError, type ShellySchemaErrorCode } from "./errors";
export {
  SHELLY_IGNORED_REASONS,
  type ShellyIgnoredReason,
  shellyIgnoredReasonSchema,
} from "./ignored-reasons";
export {
  SHELLY_DEFAULT_MAX_PAYLOAD_BYTES,
  SHELLY_MAX_DEVICE_TS_S,
  SHELLY_MAX_ERROR_MESSAGE_LENGTH,
  SHELLY_MAX_PASSTHROUGH_DEPTH,
  SHELLY_MAX_TOPIC_BYTES,
} from "./limits";
export { mergeShellyStatus, type ShellyStatusDelta } from "./merge-status";
export {
  SHELLY_MODEL_RATINGS,
  type ShellyModelRating,
  shellyModelRating,
} from "./model-rating";
export {
  type ShellyAnnounceMessage,
  type ShellyGen1ValueMessage,
  type ShellyGeneration,
  type ShellyIgnoredMessage,
  type ShellyMessage,
  type ShellyMessageKind,
  type ShellyNotificationMessage,
  type ShellyOnlineMessage,
  type ShellyRpcRequestMessage,
  type ShellyRpcResponseMessage,
  type ShellyStatusMessage,
  shellyAnnounceMessageSchema,
  shellyGen1ValueMessageSchema,
  shellyGenerationSchema,
  shellyIgnoredMessageSchema,
  shellyMessageSchema,
  shellyNotificationMessageSchema,
  shellyOnlineMessageSchema,
  shellyRpcRequestMessageSchema,
  shellyRpcResponseMessageSchema,
  shellyStatusMessageSchema,
} from "./output/message";
export { type ShellyParseOptions, shellyParseOptionsSchema } from "./output/parse-options";
export {
  type ShellyParseError,
  type ShellyParseResult,
  shellyParseErrorSchema,
  shellyParseResultSchema,
} from "./output/parse-result";
export {
  type ShellyPhaseReading,
  type ShellyReading,
  type ShellyTemperatureReading,
  shellyPhaseReadingSchema,
  shellyPhaseSchema,
  shellyReadingSchema,
  shellyTemperatureReadingSchema,
} from "./output/reading";
export {
  SHELLY_PARSE_ERROR_CODES,
  type ShellyParseErrorCode,
  shellyParseErrorCodeSchema,
} from "./parse-error-codes";
export { createShellyParser, parseShellyMessage, type ShellyParser } from "./parser";
export { type ShellyPowerByDirection, shellyPowerByDirection } from "./power-by-direction";
export {
  type ShellyCoverStatus,
  shellyCoverStatusSchema,
} from "./schemas/cover-status";
export { type ShellyEmStatus, shellyEmStatusSchema } from "./schemas/em-status";
export { type ShellyEm1Status, shellyEm1StatusSchema } from "./schemas/em1-status";
export { type ShellyEm1DataStatus, shellyEm1DataStatusSchema } from "./schemas/em1data-status";
export { type ShellyEmDataStatus, shellyEmDataStatusSchema } from "./schemas/emdata-status";
export { shellyEnergyCounterSchema } from "./schemas/energy-counter";
export { type ShellyGen1Announce, shellyGen1AnnounceSchema } from "./schemas/gen1-announce";
export { type ShellyLightStatus, shellyLightStatusSchema } from "./schemas/light-status";
export {
  SHELLY_NOTIFICATION_METHODS,
  type ShellyNotificationEvent,
  type ShellyNotificationFrame,
  type ShellyNotificationMethod,
  shellyNotificationEventSchema,
  shellyNotificationFrameSchema,
  shellyNotificationMethodSchema,
  shellyNotifyEventParamsSchema,
} from "./schemas/notification-frame";
export { type ShellyPm1Status, shellyPm1StatusSchema } from "./schemas/pm1-status";
export {
  type ShellyRpcRequestFrame,
  type ShellyRpcResponseFrame,
  shellyRpcErrorSchema,
  shellyRpcRequestSchema,
  shellyRpcResponseSchema,
} from "./schemas/rpc-frames";
export { type ShellySwitchStatus, shellySwitchStatusSchema } from "./schemas/switch-status";
export { type ShellySysStatus, shellySysStatusSchema } from "./schemas/sys-status";
export { shellyTemperatureBlockSchema } from "./schemas/temperature-block";
export {
  type ShellyTemperatureStatus,
  shellyTemperatureStatusSchema,
} from "./schemas/temperature-status";
