export type {
  MqttClientOptions,
  PublishQueueOptions,
  QoS,
  ReconnectOptions,
  Subscription,
  TlsOptions,
} from "./client-options";
export { DEFAULT_TURN_BUDGET_MS, DEFAULT_WRITE_HOLD_MAX_ACKS } from "./client-options";
export type {
  ConnectedEvent,
  ConnectOptions,
  MessageHandler,
  MessageInfo,
  MqttClientEvents,
  MqttClientStats,
  OfflineEvent,
  PublishDroppedEvent,
  PublishOptions,
  ReconnectingEvent,
  SubscribedEvent,
} from "./client-types";
export {
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  startEmbeddedBroker,
} from "./embedded-broker";
export { MqttAdapterError, type MqttAdapterErrorCode } from "./errors";
export type { Logger } from "./logger";
export { createMqttClient, MqttClient } from "./mqtt-client";
export { redactUrl } from "./redact";
export { matchTopic } from "./topic-match";
export {
  compileTopicTemplate,
  type TopicTemplate,
  type TopicTemplateNames,
} from "./topic-template";
export {
  MAX_TOPIC_BYTES,
  type TopicValidation,
  validateTopic,
  validateTopicFilter,
} from "./topic-validate";
export type { Unsubscribe } from "./typed-emitter";
