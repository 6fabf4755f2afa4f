export { findBinary, type TestBroker } from "./broker";
export {
  JsonLogProcess,
  type JsonLogProcessOptions,
  type LogLine,
  type ProcessExit,
} from "./json-log-process";
export { MARIADBD_BIN, type PrivateMariadb, startMariadb } from "./mariadb";
export {
  MOSQUITTO_BIN,
  type MosquittoOptions,
  type PrivateMosquitto,
  startMosquitto,
} from "./mosquitto";
export {
  BRIDGE_INFLIGHT_MESSAGES,
  type MosquittoBridge,
  type MosquittoBridgeOptions,
  startMosquittoBridge,
  startMosquittoBroker,
} from "./mosquitto-brokers";
export {
  NATS_SERVER_BIN,
  type NatsCluster,
  type NatsNode,
  type NatsOptions,
  type PrivateNats,
  startNats,
  startNatsCluster,
  waitHealthy,
} from "./nats";
export {
  canConnect,
  ephemeralPortRange,
  freePort,
  sleep,
  type WaitOptions,
  waitUntil,
} from "./net";
export { type PrivateRabbitMq, RABBITMQ_SERVER_BIN, startRabbitMq } from "./rabbitmq";
export { type TestPki, writeTestPki } from "./tls";
