import type { HistoryStore, ReportGrouping } from "@coreflux/history";
import { localIso } from "../report/format-report";

/** A bad request: its message goes back as `{ "error": ... }` with status 400. */
export class BadRequest extends Error {
  override readonly name = "BadRequest";
}

const GROUPINGS = ["period", "hour", "day", "month"] as const;
const MAX_RANGE_MS = 400 * 86_400_000;
/**
 * A path below the company (`""` is the company): at most 6 segments of 1 to 200 characters,
 * without MQTT wildcards or control characters (`*` and `**` are the report's globs).
 */
function validPath(path: string): boolean {
  if (path === "") return true;
  const segments = path.split("/");
  return (
    segments.length <= 6 &&
    segments.every(
      (s) =>
        s.length > 0 && s.length <= 200 && ![...s].some((c) => c === "#" || c === "+" || c < " "),
    )
  );
}

/** `GET /api/history`: the report's rows for `path` (a glob) in `[from, to)` by `by`. */
export async function apiHistory(store: HistoryStore, query: URLSearchParams): Promise<object> {
  for (const key of query.keys()) {
    if (!["path", "from", "to", "by"].includes(key))
      throw new BadRequest(`unknown parameter "${key}"`);
  }
  const path = query.get("path") ?? "";
  if (!validPath(path)) throw new BadRequest("path must be a path below the company, / separated");
  const by = query.get("by") ?? "hour";
  if (!(GROUPINGS as readonly string[]).includes(by)) {
    throw new BadRequest(`by must be one of ${GROUPINGS.join(", ")}`);
  }
  const fromMs = instant(query.get("from"), "from");
  const toMs = instant(query.get("to"), "to");
  if (!(toMs > fromMs)) throw new BadRequest("to must be after from");
  if (toMs - fromMs > MAX_RANGE_MS) throw new BadRequest("a range of at most 400 days");
  const rows = await store.report({ fromMs, toMs, by: by as ReportGrouping, path });
  const calendar = store.calendar;
  return {
    timeZone: store.timeZone,
    from: localIso(fromMs, calendar),
    to: localIso(toMs, calendar),
    by,
    periodMinutes: store.periodMinutes,
    rows: rows.map((r) => ({
      path: r.path,
      periodStart: localIso(r.periodStartMs, calendar),
      periodStartMs: r.periodStartMs,
      energyWh: r.energyMwh / 1000,
      returnedEnergyWh: r.returnedEnergyMwh / 1000,
    })),
  };
}

function instant(text: string | null, name: string): number {
  if (text === null)
    throw new BadRequest(`${name} is required (ISO 8601, e.g. 2026-12-05T00:00:00Z)`);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)) {
    throw new BadRequest(`${name} is not an ISO 8601 date or time with a zone`);
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new BadRequest(`${name} is not a valid date`);
  return ms;
}
