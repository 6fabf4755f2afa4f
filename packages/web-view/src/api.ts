/**
 * The aggregator's JSON API as the page sees it: the types of `GET /api/nodes`, `GET /api/history`
 * and the SSE events, light shape checks for what arrives, and the fetch helpers. Same origin only.
 */

/** Devices below a node (a device: itself) by state. */
export interface StateCounts {
  online: number;
  stale: number;
  offline: number;
}

/** One metering channel of a device (`switch:0`, `em1:1`, ...). */
export interface ApiChannel {
  id: string;
  /** Power now, W. */
  powerW: number;
  /** Total imported energy, Wh. */
  energyWh: number;
  /** `online`, `stale` or `offline`. */
  state: string;
}

/** The level of a node in the tree. */
export type Level = "company" | "office" | "room" | "device";

/** One node of `GET /api/nodes`: numbers in W and Wh, the same as the MQTT payloads of the cycle. */
export interface ApiNode {
  /** `""` is the company, `"Porto/Kitchen"` a room. */
  path: string;
  name: string;
  level: Level;
  /** Total imported energy, Wh. */
  energyWh: number;
  /** Total returned (exported) energy, Wh. */
  returnedEnergyWh: number;
  /** Power now, W. */
  powerW: number;
  /** Energy in the current local hour, Wh. */
  energyThisHourWh: number;
  /** Energy since local midnight, Wh. */
  energyTodayWh: number;
  /** Energy since the first of the month, local time, Wh. */
  energyThisMonthWh: number;
  state: StateCounts;
  children: ApiNode[];
  /** Devices only. */
  channels?: ApiChannel[];
}

/** The document of `GET /api/nodes` and of each SSE `nodes` event. */
export interface ApiNodes {
  company: string;
  /** When the cycle was computed, ms since the epoch. */
  tsMs: number;
  /** The IANA zone that days and months are counted in. */
  timeZone: string;
  brokerConnected: boolean;
  /** Whether `[history]` is configured (the charts need it). */
  history: boolean;
  /** `null` until the first device is known. */
  root: ApiNode | null;
}

/** The bucket size of a history query. */
export type HistoryBy = "period" | "hour" | "day" | "month";

/** One row of `GET /api/history`: a node's energy in one bucket. */
export interface HistoryRow {
  path: string;
  periodStart: string;
  /** Start of the bucket, ms since the epoch. */
  periodStartMs: number;
  /** Imported energy in the bucket, Wh. */
  energyWh: number;
  /** Returned energy in the bucket, Wh. */
  returnedEnergyWh: number;
}

/** The document of `GET /api/history`. */
export interface HistoryResponse {
  timeZone: string;
  from: string;
  to: string;
  by: HistoryBy;
  /** Length of a `period` bucket, minutes. */
  periodMinutes: number;
  rows: HistoryRow[];
}

/** The document of the SSE `status` event. */
export interface StatusEvent {
  brokerConnected: boolean;
}

/** A failed API call: the HTTP status (0 for a network failure) and the server's message. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** Where the page goes when the server asks for a token (a form the server renders). */
export const LOGIN_PATH = "/login";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Whether `v` looks like an `ApiNode` (checked deeply: children and channels too). */
export function isApiNode(v: unknown): v is ApiNode {
  if (!isObject(v)) return false;
  if (typeof v.path !== "string" || typeof v.name !== "string" || typeof v.level !== "string") {
    return false;
  }
  for (const key of [
    "energyWh",
    "powerW",
    "energyThisHourWh",
    "energyTodayWh",
    "energyThisMonthWh",
  ] as const) {
    if (!isNumber(v[key])) return false;
  }
  const s = v.state;
  if (!isObject(s) || !isNumber(s.online) || !isNumber(s.stale) || !isNumber(s.offline)) {
    return false;
  }
  if (!Array.isArray(v.children) || !v.children.every(isApiNode)) return false;
  if (v.channels !== undefined) {
    if (!Array.isArray(v.channels)) return false;
    for (const c of v.channels) {
      if (!isObject(c) || typeof c.id !== "string" || !isNumber(c.powerW)) return false;
      if (!isNumber(c.energyWh) || typeof c.state !== "string") return false;
    }
  }
  return true;
}

/** Whether `v` looks like the `/api/nodes` document; anything else is ignored by the page. */
export function isApiNodes(v: unknown): v is ApiNodes {
  if (!isObject(v)) return false;
  if (typeof v.company !== "string" || typeof v.timeZone !== "string" || !isNumber(v.tsMs)) {
    return false;
  }
  if (typeof v.brokerConnected !== "boolean" || typeof v.history !== "boolean") return false;
  return v.root === null || isApiNode(v.root);
}

/** Whether `v` looks like a `/api/history` document. */
export function isHistoryResponse(v: unknown): v is HistoryResponse {
  if (!isObject(v) || !Array.isArray(v.rows)) return false;
  return v.rows.every(
    (r) =>
      isObject(r) &&
      typeof r.path === "string" &&
      isNumber(r.periodStartMs) &&
      isNumber(r.energyWh),
  );
}

/** Parses a JSON string without throwing: `undefined` when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Sends the browser to the login form (the server answered 401). */
export function redirectToLogin(): void {
  window.location.assign(LOGIN_PATH);
}

async function getJson(url: string, signal?: AbortSignal): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json" },
      credentials: "same-origin",
      signal: signal ?? null,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, "the aggregator cannot be reached");
  }
  if (response.status === 401) {
    redirectToLogin();
    throw new ApiError(401, "login required");
  }
  const body = parseJson(await response.text());
  if (!response.ok) {
    const message =
      isObject(body) && typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return body;
}

/** `GET /api/nodes`: the tree now. Rejects with `ApiError`; a 401 also redirects to the login. */
export async function fetchNodes(signal?: AbortSignal): Promise<ApiNodes> {
  const body = await getJson("/api/nodes", signal);
  if (!isApiNodes(body)) throw new ApiError(200, "unexpected /api/nodes document");
  return body;
}

/** The parameters of a history query; `path` is a node path or a glob (`Porto/*`, `*`). */
export interface HistoryQuery {
  path: string;
  fromMs: number;
  toMs: number;
  by: HistoryBy;
}

/** The URL of a history query (ISO 8601 instants in UTC). */
export function historyUrl(q: HistoryQuery): string {
  const params = new URLSearchParams({
    path: q.path,
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    by: q.by,
  });
  return `/api/history?${params.toString()}`;
}

/** `GET /api/history`. Rejects with `ApiError` (404: history is off; 400: a bad parameter). */
export async function fetchHistory(
  q: HistoryQuery,
  signal?: AbortSignal,
): Promise<HistoryResponse> {
  const body = await getJson(historyUrl(q), signal);
  if (!isHistoryResponse(body)) throw new ApiError(200, "unexpected /api/history document");
  return body;
}
