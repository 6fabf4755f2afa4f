/**
 * Longest topic accepted, in UTF-8 bytes (1024). MQTT allows 65535, but no Shelly topic comes
 * close, and a bound keeps classification and error messages cheap.
 */
export const SHELLY_MAX_TOPIC_BYTES = 1024;

/**
 * Default payload limit, in bytes (65536 = 64 KiB). The biggest real Shelly message, a
 * `NotifyFullStatus` of a Pro 4PM, is a few KiB. Checked before any decoding or parsing.
 */
export const SHELLY_DEFAULT_MAX_PAYLOAD_BYTES = 65_536;

/**
 * Deepest nesting (in levels) of the free-form JSON the parser hands back as is (an RPC `result`
 * or request `params`), so a consumer can log or `JSON.stringify` it without a stack overflow.
 */
export const SHELLY_MAX_PASSTHROUGH_DEPTH = 32;

/**
 * Longest `message` of a parse error, in characters (200). Apps log these, so they quote at most a
 * short, clipped excerpt of the topic or payload.
 */
export const SHELLY_MAX_ERROR_MESSAGE_LENGTH = 200;

/**
 * Largest device timestamp (`params.ts`) accepted, in unix seconds (9007199254740, far beyond any
 * real clock), so that the timestamp in milliseconds is still a safe integer.
 */
export const SHELLY_MAX_DEVICE_TS_S = 9_007_199_254_740;
