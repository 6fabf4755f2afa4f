import { isObject, RPC_ERRORS, type RpcOutcome, rpcError } from "./rpc-frame";

/**
 * Schedule jobs a Gen2 device keeps at most: "There is a limit of 20 schedule instances per
 * device" (shelly-api-docs.shelly.cloud/gen2/ComponentsAndServices/Schedule); the 21st gets -108.
 */
export const MAX_SCHEDULE_JOBS = 20;

/** RPC calls one job may carry: "There is a limit of 5 calls per schedule job" (same page). */
export const MAX_SCHEDULE_CALLS = 5;

/** One call of a schedule job, as it was given. */
export interface ScheduleCall {
  method: string;
  params?: Record<string, unknown>;
}

/** A schedule job as `Schedule.List` shows it. */
export interface ScheduleJob {
  /** Assigned by the device, from 1, never reused. */
  id: number;
  enable: boolean;
  /** Cron `ss mm hh DD MM WW` (or `@sunrise`/`@sunset` forms), as given. */
  timespec: string;
  calls: ScheduleCall[];
}

/** A cron field: digits, names, `*`, `,`, `-`, `/` (and `@sunrise±n` in the seconds place). */
const FIELD = /^[0-9A-Za-z*,/+-]+$/;

/** Checks a timespec: six fields, or a `@sunrise`/`@sunset` form. Returns the problem or undefined. */
function timespecProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "Invalid argument 'timespec'";
  const fields = value.trim().split(/\s+/);
  if (fields[0]?.startsWith("@")) {
    return /^@(sunrise|sunset)([+-]\d+)?$/.test(fields[0]) && fields.length <= 6
      ? undefined
      : "Invalid timespec";
  }
  return fields.length === 6 && fields.every((f) => FIELD.test(f)) ? undefined : "Invalid timespec";
}

/** Reads `calls`: 1 to 5 objects with a string `method` and an optional object `params`. */
function readCalls(value: unknown): ScheduleCall[] | string {
  if (!Array.isArray(value) || value.length === 0) return "Invalid argument 'calls'";
  if (value.length > MAX_SCHEDULE_CALLS) return `Too many calls (max ${MAX_SCHEDULE_CALLS})`;
  const calls: ScheduleCall[] = [];
  for (const call of value) {
    if (!isObject(call) || typeof call.method !== "string" || call.method === "") {
      return "Invalid argument 'calls'";
    }
    if (call.params !== undefined && !isObject(call.params)) return "Invalid argument 'calls'";
    calls.push(
      call.params === undefined
        ? { method: call.method }
        : { method: call.method, params: structuredCopy(call.params) },
    );
  }
  return calls;
}

function structuredCopy(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

function jobId(params: Record<string, unknown>): number | string {
  const id = params.id;
  if (id === undefined) return "Missing required 'id'";
  return typeof id === "number" && Number.isInteger(id) ? id : "Invalid argument 'id'";
}

/**
 * The schedule jobs of one device, in memory: the `Schedule.*` methods with Shelly's results and
 * errors. A revision counts every change (shown as `sys.schedule_rev`). Jobs are kept, listed and
 * verified, not executed.
 */
export class ScheduleStore {
  /** Revision: +1 on every create, update, delete and delete-all. */
  rev = 0;
  private nextId = 1;
  private readonly jobs: ScheduleJob[] = [];

  /** `Schedule.Create {enable?, timespec, calls}` → `{id, rev}`; -108 beyond {@link MAX_SCHEDULE_JOBS}. */
  create(params: Record<string, unknown>): RpcOutcome {
    if (params.timespec === undefined) {
      return rpcError(RPC_ERRORS.invalidArgument, "Missing required 'timespec'");
    }
    if (params.calls === undefined) {
      return rpcError(RPC_ERRORS.invalidArgument, "Missing required 'calls'");
    }
    const problem = timespecProblem(params.timespec);
    if (problem !== undefined) return rpcError(RPC_ERRORS.invalidArgument, problem);
    const calls = readCalls(params.calls);
    if (typeof calls === "string") return rpcError(RPC_ERRORS.invalidArgument, calls);
    if (params.enable !== undefined && typeof params.enable !== "boolean") {
      return rpcError(RPC_ERRORS.invalidArgument, "Invalid argument 'enable'");
    }
    if (this.jobs.length >= MAX_SCHEDULE_JOBS) {
      return rpcError(
        RPC_ERRORS.resourceExhausted,
        `Max ${MAX_SCHEDULE_JOBS} schedule jobs reached`,
      );
    }
    const job: ScheduleJob = {
      id: this.nextId++,
      enable: params.enable !== false,
      timespec: (params.timespec as string).trim(),
      calls,
    };
    this.jobs.push(job);
    this.rev++;
    return { ok: true, result: { id: job.id, rev: this.rev } };
  }

  /** `Schedule.Update {id, enable?, timespec?, calls?}` → `{rev}`; -105 for an unknown id. */
  update(params: Record<string, unknown>): RpcOutcome {
    const id = jobId(params);
    if (typeof id === "string") return rpcError(RPC_ERRORS.invalidArgument, id);
    const job = this.jobs.find((j) => j.id === id);
    if (job === undefined) return rpcError(RPC_ERRORS.notFound, `Bad id=${id}`);
    if (params.enable !== undefined && typeof params.enable !== "boolean") {
      return rpcError(RPC_ERRORS.invalidArgument, "Invalid argument 'enable'");
    }
    if (params.timespec !== undefined) {
      const problem = timespecProblem(params.timespec);
      if (problem !== undefined) return rpcError(RPC_ERRORS.invalidArgument, problem);
    }
    const calls = params.calls === undefined ? undefined : readCalls(params.calls);
    if (typeof calls === "string") return rpcError(RPC_ERRORS.invalidArgument, calls);
    if (params.enable !== undefined) job.enable = params.enable as boolean;
    if (params.timespec !== undefined) job.timespec = (params.timespec as string).trim();
    if (calls !== undefined) job.calls = calls;
    this.rev++;
    return { ok: true, result: { rev: this.rev } };
  }

  /** `Schedule.List` → `{jobs, rev}` (copies). */
  list(): RpcOutcome {
    return { ok: true, result: { jobs: this.snapshot(), rev: this.rev } };
  }

  /** `Schedule.Delete {id}` → `{rev}`; -105 for an unknown id. */
  delete(params: Record<string, unknown>): RpcOutcome {
    const id = jobId(params);
    if (typeof id === "string") return rpcError(RPC_ERRORS.invalidArgument, id);
    const at = this.jobs.findIndex((j) => j.id === id);
    if (at < 0) return rpcError(RPC_ERRORS.notFound, `Bad id=${id}`);
    this.jobs.splice(at, 1);
    this.rev++;
    return { ok: true, result: { rev: this.rev } };
  }

  /** `Schedule.DeleteAll` → `{rev}`. */
  deleteAll(): RpcOutcome {
    this.jobs.length = 0;
    this.rev++;
    return { ok: true, result: { rev: this.rev } };
  }

  /** The jobs now (deep copies). */
  snapshot(): ScheduleJob[] {
    return JSON.parse(JSON.stringify(this.jobs)) as ScheduleJob[];
  }
}
