import { DAY_MS, type LocalClock, MINUTE_MS } from "./local-clock";

/** A device's working hours: Monday to Friday, from `startMin` to `endMin` local minutes after midnight. */
export interface OfficeHours {
  startMin: number;
  endMin: number;
}

/** Where an instant falls relative to office hours, and when that changes next (Unix ms). */
export interface OfficeState {
  inOffice: boolean;
  nextBoundaryMs: number;
}

/**
 * Whether `tsMs` is within office hours in the clock's zone, and the next start or end. The
 * boundary is computed with the offset at `tsMs`; across a DST change it is off by the shift
 * for one segment, which a load profile does not notice.
 */
export function officeState(tsMs: number, clock: LocalClock, hours: OfficeHours): OfficeState {
  const offset = clock.offsetMs(tsMs);
  const local = tsMs + offset;
  const day = Math.floor(local / DAY_MS);
  const minute = (local - day * DAY_MS) / MINUTE_MS;
  const weekday = (((day + 3) % 7) + 7) % 7;
  const workday = weekday < 5;
  if (workday && minute >= hours.startMin && minute < hours.endMin) {
    return { inOffice: true, nextBoundaryMs: day * DAY_MS + hours.endMin * MINUTE_MS - offset };
  }
  let startDay = day;
  if (!(workday && minute < hours.startMin)) {
    startDay = day + 1;
    while ((((startDay + 3) % 7) + 7) % 7 >= 5) startDay++;
  }
  const next = startDay * DAY_MS + hours.startMin * MINUTE_MS - offset;
  return { inOffice: false, nextBoundaryMs: Math.max(next, tsMs + 1) };
}
