export { AutomationEngine, type AutomationSnapshot } from "./engine";
export { AutomationError, type AutomationErrorCode } from "./errors";
export { PathGlob } from "./path-glob";
export type {
  AutomationEvent,
  AutomationEventKind,
  AutomationOptions,
  AutomationOutput,
  AutomationRule,
  SwitchOffCommand,
} from "./types";
export {
  type DailyWindow,
  parseWindow,
  WEEKDAYS,
  type Weekday,
  type WindowInstance,
  windowAt,
} from "./window";
export { addDays, type LocalDate, weekdayOf, ZoneClock } from "./zone-clock";
