export { HistoryError, type HistoryErrorCode } from "./errors";
export { SCHEMA_VERSION } from "./schema";
export {
  HistoryStore,
  levelOfPath,
  matchesPath,
  type OpenHistoryOptions,
  openHistory,
  PERIOD_MINUTES,
  type WritePace,
} from "./store";
export {
  checkZoneAlignment,
  fromSqlTime,
  type LocalPeriods,
  toSqlTime,
  ZoneCalendar,
} from "./time";
export type {
  DeviceStates,
  HistoryBatch,
  HistoryNode,
  NodeLevel,
  PeriodRow,
  ReportGrouping,
  ReportQuery,
  ReportRow,
  RowSource,
} from "./types";
export { isRowSource } from "./types";
export { type HistoryLocation, parseHistoryUrl, redactHistoryUrl } from "./url";
