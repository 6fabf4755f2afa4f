/**
 * The Coreflux energy dashboard, typed with `@grafana/schema`: the source of
 * `deploy/grafana/dashboards/coreflux-energy.json` (written by `pnpm write`, checked by a test).
 */
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  type Dashboard,
  DashboardCursorSync,
  type DataSourceRef,
  GraphDrawStyle,
  type GraphFieldConfig,
  GraphGradientMode,
  LegendDisplayMode,
  type Panel,
  PercentChangeColorMode,
  SortOrder,
  StackingMode,
  TooltipDisplayMode,
  type VariableModel,
  VariableRefresh,
  VariableSort,
  VizOrientation,
} from "@grafana/schema";
import type { Options as StatOptions } from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type { Options as TableOptions } from "@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen";
import type { Options as TimeSeriesOptions } from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";
import {
  COMPANY_VARIABLE_SQL,
  DEVICES_ONLINE_SQL,
  ENERGY_PER_DAY_SQL,
  ENERGY_PER_HOUR_SQL,
  OFFICE_VARIABLE_SQL,
  PEAK_POWER_SQL,
  POWER_NOW_SQL,
  ROOM_VARIABLE_SQL,
  THIS_MONTH_SQL,
  TODAY_SQL,
  TOP_DEVICES_SQL,
} from "./queries";

/** The uid of the provisioned MariaDB datasource (deploy/grafana/provisioning/datasources). */
export const DATASOURCE_UID = "coreflux-mariadb";

/** The dashboard's uid: its URL is `/d/coreflux-energy`. */
export const DASHBOARD_UID = "coreflux-energy";

/** Every panel queries the datasource chosen in the `$datasource` variable (a MySQL one). */
const DATASOURCE: DataSourceRef = { type: "mysql", uid: "${datasource}" };

/** One raw-SQL target of Grafana's MySQL datasource (`format` decides how rows become frames). */
export type MysqlTarget = {
  refId: string;
  datasource: DataSourceRef;
  editorMode: "code";
  format: "table" | "time_series";
  rawQuery: true;
  rawSql: string;
};

function target(rawSql: string, format: MysqlTarget["format"]): MysqlTarget {
  return { refId: "A", datasource: DATASOURCE, editorMode: "code", format, rawQuery: true, rawSql };
}

/**
 * A typed object (panel options, a field config's `custom`) as the untyped record the dashboard
 * schema holds it in: the same keys in the same order.
 */
function record(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value));
}

interface Place {
  x: number;
  y: number;
  w: number;
  h: number;
}

function statPanel(
  id: number,
  title: string,
  description: string,
  rawSql: string,
  unit: string,
  gridPos: Place,
): Panel {
  const stat: StatOptions = {
    colorMode: BigValueColorMode.Value,
    graphMode: BigValueGraphMode.None,
    justifyMode: BigValueJustifyMode.Auto,
    orientation: VizOrientation.Auto,
    percentChangeColorMode: PercentChangeColorMode.Standard,
    reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
    showPercentChange: false,
    textMode: BigValueTextMode.Value,
    wideLayout: true,
  };
  return {
    id,
    type: "stat",
    title,
    description,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults: { unit, decimals: 2 }, overrides: [] },
    options: record(stat),
    targets: [target(rawSql, "table")],
  };
}

function timeSeriesPanel(
  id: number,
  title: string,
  description: string,
  rawSql: string,
  unit: string,
  gridPos: Place,
  custom: GraphFieldConfig,
): Panel {
  const series: TimeSeriesOptions = {
    legend: {
      calcs: ["sum"],
      displayMode: LegendDisplayMode.List,
      placement: "bottom",
      showLegend: true,
    },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
  };
  return {
    id,
    type: "timeseries",
    title,
    description,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults: { unit, custom: record(custom) }, overrides: [] },
    options: record(series),
    targets: [target(rawSql, "time_series")],
  };
}

const BARS: GraphFieldConfig = {
  drawStyle: GraphDrawStyle.Bars,
  fillOpacity: 80,
  gradientMode: GraphGradientMode.None,
  lineWidth: 1,
};

function topDevicesPanel(gridPos: Place): Panel {
  const table: TableOptions = {
    frameIndex: 0,
    showHeader: true,
    sortBy: [{ displayName: "Energy", desc: true }],
  };
  return {
    id: 6,
    type: "table",
    title: "Top devices",
    description:
      "The ten devices of the selected rooms that used the most energy in the time range (local hours that start in it), with the energy they returned and the highest power they published.",
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: {
      defaults: {},
      overrides: [
        {
          matcher: { id: "byRegexp", options: "Energy|Returned" },
          properties: [{ id: "unit", value: "watth" }],
        },
        {
          matcher: { id: "byName", options: "Peak power" },
          properties: [{ id: "unit", value: "watt" }],
        },
      ],
    },
    options: record(table),
    targets: [target(TOP_DEVICES_SQL, "table")],
  };
}

function queryVariable(
  name: string,
  label: string,
  query: string,
  multi: boolean,
  refresh: VariableRefresh,
): VariableModel {
  return {
    type: "query",
    name,
    label,
    datasource: DATASOURCE,
    query,
    refresh,
    sort: VariableSort.disabled,
    multi,
    includeAll: multi,
    current: multi ? { text: ["All"], value: ["$__all"] } : { text: "", value: "" },
    options: [],
  };
}

function variables(): VariableModel[] {
  return [
    {
      type: "datasource",
      name: "datasource",
      label: "Database",
      query: "mysql",
      current: { text: "Coreflux MariaDB", value: DATASOURCE_UID },
      options: [],
      refresh: VariableRefresh.onDashboardLoad,
    },
    queryVariable(
      "company",
      "Company",
      COMPANY_VARIABLE_SQL,
      false,
      VariableRefresh.onDashboardLoad,
    ),
    queryVariable("office", "Office", OFFICE_VARIABLE_SQL, true, VariableRefresh.onDashboardLoad),
    queryVariable("room", "Room", ROOM_VARIABLE_SQL, true, VariableRefresh.onDashboardLoad),
    {
      type: "custom",
      name: "group_by",
      label: "Group by",
      query: "office,room",
      current: { text: "office", value: "office" },
      options: [
        { text: "office", value: "office", selected: true },
        { text: "room", value: "room", selected: false },
      ],
      multi: false,
      includeAll: false,
    },
  ];
}

/** Builds the dashboard: the same object every time (no clock, no randomness). */
export function buildDashboard(): Dashboard {
  return {
    uid: DASHBOARD_UID,
    title: "Coreflux energy",
    description:
      "Energy per company, office, room and device from the Coreflux aggregator's history (MariaDB, exact to the mWh). Panels sum the selected rooms: all rooms of all offices is the company.",
    tags: ["coreflux", "energy"],
    timezone: "browser",
    editable: true,
    graphTooltip: DashboardCursorSync.Crosshair,
    schemaVersion: 41,
    version: 1,
    refresh: "1m",
    time: { from: "now-7d", to: "now" },
    timepicker: {},
    fiscalYearStartMonth: 0,
    links: [],
    annotations: { list: [] },
    templating: { list: variables() },
    panels: [
      statPanel(
        1,
        "Power now",
        "Average power of the selected rooms over the latest period (period_minutes wide) that had ended by the end of the time range: not a live reading, at most one period old. From energy_periods.avg_power_w.",
        POWER_NOW_SQL,
        "watt",
        { x: 0, y: 0, w: 8, h: 4 },
      ),
      statPanel(
        2,
        "Today",
        "Energy of the selected rooms in the local day (the history's time zone) that contains the end of the time range, up to that end. If no hour row has been written yet in a new day, the previous day is shown.",
        TODAY_SQL,
        "watth",
        { x: 8, y: 0, w: 8, h: 4 },
      ),
      statPanel(
        3,
        "This month",
        "Energy of the selected rooms in the local month that contains the end of the time range, up to that end.",
        THIS_MONTH_SQL,
        "watth",
        { x: 16, y: 0, w: 8, h: 4 },
      ),
      timeSeriesPanel(
        4,
        "Energy per hour",
        "Energy of the selected rooms per local hour that starts in the time range.",
        ENERGY_PER_HOUR_SQL,
        "watth",
        { x: 0, y: 4, w: 24, h: 8 },
        BARS,
      ),
      timeSeriesPanel(
        5,
        "Energy per day by $group_by",
        "Energy per local day that starts in the time range, one stacked series per office or per room of the selection (the Group by variable).",
        ENERGY_PER_DAY_SQL,
        "watth",
        { x: 0, y: 12, w: 12, h: 9 },
        { ...BARS, stacking: { mode: StackingMode.Normal, group: "A" } },
      ),
      topDevicesPanel({ x: 12, y: 12, w: 12, h: 9 }),
      timeSeriesPanel(
        7,
        "Devices online",
        "Devices online, stale and offline in the selected rooms at the end of each period; per interval the fewest online and the most stale and offline. A room with no row in a period counts no devices there.",
        DEVICES_ONLINE_SQL,
        "none",
        { x: 0, y: 21, w: 12, h: 8 },
        { drawStyle: GraphDrawStyle.Line, lineWidth: 1, fillOpacity: 10 },
      ),
      timeSeriesPanel(
        8,
        "Peak power by $group_by",
        "Highest power published per interval by each selected office or room (the Group by variable), from that node's own rows.",
        PEAK_POWER_SQL,
        "watt",
        { x: 12, y: 21, w: 12, h: 8 },
        { drawStyle: GraphDrawStyle.Line, lineWidth: 1, fillOpacity: 0 },
      ),
    ],
  };
}

/** The dashboard as the JSON file Grafana imports: two-space indented, with a final newline. */
export function dashboardJson(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}
