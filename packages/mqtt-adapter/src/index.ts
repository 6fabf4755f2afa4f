export { MqttAdapterError, type MqttAdapterErrorCode } from "./errors";
