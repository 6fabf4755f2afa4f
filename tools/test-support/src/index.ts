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
export { canConnect, freePort, sleep, type WaitOptions, waitUntil } from "./net";
export { type TestPki, writeTestPki } from "./tls";
