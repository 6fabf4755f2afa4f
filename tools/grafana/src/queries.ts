/**
 * The SQL of the dashboard's panels and variables, for Grafana's MySQL datasource on the history
 * tables of `@coreflux/history` (MariaDB). Every panel sums the selected rooms' rows: rooms
 * partition the company (every device sits in a room), so "All" rooms is the company, exactly.
 * Energies are stored in integer mWh and shown in Wh (`/ 1000`); times are UTC DATETIMEs, and the
 * hour, day and month starts are the UTC instants of the configured zone's local starts.
 */

/** The node ids of the rooms selected in `$room`. */
const SELECTED_ROOMS = "SELECT id FROM nodes WHERE level = 'room' AND path IN ($room)";

/** A room or office as a series name: `Porto / Kitchen`, `Porto`. */
const SERIES_NAME = "REPLACE(n.path, '/', ' / ')";

/** `$company`: the company's name (a history database holds one company). */
export const COMPANY_VARIABLE_SQL = "SELECT name FROM nodes WHERE level = 'company' ORDER BY name";

/** `$office`: the company's offices. */
export const OFFICE_VARIABLE_SQL = `SELECT o.name
FROM nodes o
JOIN nodes c ON c.id = o.parent_id
WHERE o.level = 'office' AND c.level = 'company' AND c.name = '$company'
ORDER BY o.name`;

/** `$room`: the rooms of the selected offices; the value is the room's path, the text "Office / Room". */
export const ROOM_VARIABLE_SQL = `SELECT REPLACE(r.path, '/', ' / ') AS __text, r.path AS __value
FROM nodes r
JOIN nodes o ON o.id = r.parent_id
WHERE r.level = 'room' AND o.name IN ($office)
ORDER BY r.path`;

/**
 * Power now, W: the selected rooms' average power over the latest period that had ended by the
 * end of the time range (a period still running would read low). Not a live reading.
 */
export const POWER_NOW_SQL = `SELECT SUM(p.avg_power_w) AS "Power"
FROM energy_periods p
WHERE p.node_id IN (${SELECTED_ROOMS})
  AND p.period_start = (
    SELECT MAX(q.period_start)
    FROM energy_periods q
    WHERE q.node_id IN (${SELECTED_ROOMS})
      AND $__timeFilter(q.period_start)
      AND q.period_start <= DATE_SUB($__timeTo(), INTERVAL (
        SELECT CAST(value AS UNSIGNED) FROM coreflux_meta WHERE name = 'period_minutes'
      ) MINUTE)
  )`;

/**
 * Energy of the current local calendar unit (`day_start` or `month_start` of `energy_hours`),
 * Wh: the unit of the newest hour row at or before the end of the range, summed up to that end.
 */
function currentUnitSql(column: "day_start" | "month_start", label: string): string {
  return `SELECT SUM(h.energy_mwh) / 1000 AS "${label}"
FROM energy_hours h
WHERE h.node_id IN (${SELECTED_ROOMS})
  AND h.hour_start <= $__timeTo()
  AND h.${column} = (
    SELECT MAX(l.${column})
    FROM energy_hours l
    WHERE l.node_id IN (${SELECTED_ROOMS}) AND l.hour_start <= $__timeTo()
  )`;
}

/** Energy today (the local day at the end of the range), Wh. */
export const TODAY_SQL = currentUnitSql("day_start", "Today");

/** Energy this month (the local month at the end of the range), Wh. */
export const THIS_MONTH_SQL = currentUnitSql("month_start", "This month");

/** Energy per local hour in the range, Wh, one bar per hour (time series). */
export const ENERGY_PER_HOUR_SQL = `SELECT h.hour_start AS "time", SUM(h.energy_mwh) / 1000 AS "Energy"
FROM energy_hours h
WHERE $__timeFilter(h.hour_start) AND h.node_id IN (${SELECTED_ROOMS})
GROUP BY h.hour_start
ORDER BY h.hour_start`;

/**
 * Energy per local day that starts in the range, Wh, one series per office or per room
 * (`$group_by`), stacked (time series with a metric column).
 */
export const ENERGY_PER_DAY_SQL = `SELECT h.day_start AS "time",
  CASE WHEN '$group_by' = 'room' THEN REPLACE(r.path, '/', ' / ') ELSE o.name END AS metric,
  SUM(h.energy_mwh) / 1000 AS "Energy"
FROM energy_hours h
JOIN nodes r ON r.id = h.node_id
JOIN nodes o ON o.id = r.parent_id
WHERE $__timeFilter(h.day_start) AND r.level = 'room' AND r.path IN ($room)
GROUP BY h.day_start, metric
ORDER BY h.day_start, metric`;

/**
 * The ten devices of the selected rooms that used the most energy in the range (local hours that
 * start in it), Wh, with returned energy (Wh) and the highest power published (W). A device is a
 * node of level device with no children.
 */
export const TOP_DEVICES_SQL = `SELECT d.path AS "Device",
  SUM(h.energy_mwh) / 1000 AS "Energy",
  SUM(h.returned_energy_mwh) / 1000 AS "Returned",
  MAX(h.peak_power_w) AS "Peak power"
FROM energy_hours h
JOIN nodes d ON d.id = h.node_id
JOIN nodes r ON r.level = 'room' AND r.path IN ($room)
  AND LEFT(d.path, CHAR_LENGTH(r.path) + 1) = CONCAT(r.path, '/')
WHERE d.level = 'device' AND $__timeFilter(h.hour_start)
  AND NOT EXISTS (SELECT 1 FROM nodes c WHERE c.parent_id = d.id)
GROUP BY d.id, d.path
ORDER BY SUM(h.energy_mwh) DESC, d.path
LIMIT 10`;

/**
 * Devices online, stale and offline in the selected rooms at the end of each period, summed over
 * the rooms, then per `$__interval` bucket the fewest online and the most stale and offline.
 */
export const DEVICES_ONLINE_SQL = `SELECT $__timeGroupAlias(t.period_start, $__interval),
  MIN(t.online) AS "Online", MAX(t.stale) AS "Stale", MAX(t.offline) AS "Offline"
FROM (
  SELECT p.period_start,
    SUM(p.devices_online) AS online, SUM(p.devices_stale) AS stale, SUM(p.devices_offline) AS offline
  FROM energy_periods p
  WHERE $__timeFilter(p.period_start) AND p.devices_online IS NOT NULL
    AND p.node_id IN (${SELECTED_ROOMS})
  GROUP BY p.period_start
) t
GROUP BY 1
ORDER BY 1`;

/**
 * Peak power per `$__interval` bucket, W: the highest power published by each selected office or
 * room (`$group_by`), from that node's own rows (a sum of rooms' peaks would overstate it).
 */
export const PEAK_POWER_SQL = `SELECT $__timeGroupAlias(p.period_start, $__interval),
  ${SERIES_NAME} AS metric,
  MAX(p.peak_power_w) AS "Peak"
FROM energy_periods p
JOIN nodes n ON n.id = p.node_id
WHERE $__timeFilter(p.period_start) AND p.peak_power_w IS NOT NULL
  AND (('$group_by' = 'office' AND n.level = 'office' AND n.name IN ($office))
    OR ('$group_by' = 'room' AND n.level = 'room' AND n.path IN ($room)))
GROUP BY 1, 2
ORDER BY 1, 2`;
