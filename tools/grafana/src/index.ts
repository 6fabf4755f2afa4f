export {
  buildDashboard,
  DASHBOARD_UID,
  DATASOURCE_UID,
  dashboardJson,
  type MysqlTarget,
} from "./dashboard";
export { GrafanaQueryError, type GrafanaQueryErrorCode } from "./errors";
export {
  backendIntervalText,
  formatSecondsNoDecimals,
  intervalText,
  parseGoDuration,
  parseGrafanaInterval,
} from "./interval";
export {
  expandMacros,
  expandQuery,
  type MacroOptions,
  type QueryContext,
  replaceGlobalMacros,
  type TimeRange,
} from "./macros";
export { DASHBOARD_FILE } from "./paths";
export {
  createScratchDatabase,
  MARIADB,
  mwh,
  num,
  panelSql,
  type Row,
  resolveVariables,
  runPanel,
  type ScratchDatabase,
  type Selections,
  timeMs,
  type View,
} from "./runner";
export { stripSqlComments } from "./sql-comments";
export {
  ALL_VALUE,
  type FrontendContext,
  interpolateTemplateVariables,
  type TemplateVariable,
} from "./template-variables";
