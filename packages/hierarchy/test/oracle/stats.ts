/** What oracle runs exercised and found, summed over scenarios. */
import {
  AMBIGUITY_CLASSES,
  type AmbiguityClass,
  UNOBSERVABLE_CLASSES,
  type UnobservableClass,
} from "./accountant";
import { EVENT_KINDS, type EventKind, FAULT_KINDS, type FaultKind } from "./scenario";

/** Counts and energies of one or more oracle runs. Energies are integer mWh. */
export interface OracleStats {
  scenarios: number;
  /** Counter readings delivered to the engine (faulty ones included). */
  readings: number;
  /** Messages delivered to the engine (readings, power, uptime, availability). */
  messages: number;
  /** Messages by fault (lost ones included: they were produced). */
  faults: Record<FaultKind, number>;
  events: Record<EventKind, number>;
  /** Ambiguous segment starts by class: how many, and the sum of their allowed ranges. */
  ambiguities: Record<AmbiguityClass, { count: number; boundMwh: number }>;
  /** Sum of |engine − accountant| over counters whose difference the classes allowed. */
  explainedMwh: number;
  /** Physical truth − accountant, by class: energy no accounting can see. */
  unobservableMwh: Record<UnobservableClass, number>;
  /** The sum of the bounds of those (see `CounterAccount.unobservableBoundMwh`). */
  unobservableBoundMwh: Record<UnobservableClass, number>;
  truthMwh: number;
  accountantMwh: number;
  engineMwh: number;
  /** Meter counters whose difference no class explains, plus failed tree checks. */
  mismatches: number;
  /** Mismatches by the disturbance nearest before the divergence. */
  mismatchesBySuspect: Record<string, number>;
}

/** Stats of nothing. */
export function emptyStats(): OracleStats {
  const zero = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  return {
    scenarios: 0,
    readings: 0,
    messages: 0,
    faults: zero(FAULT_KINDS),
    events: zero(EVENT_KINDS),
    ambiguities: Object.fromEntries(
      AMBIGUITY_CLASSES.map((k) => [k, { count: 0, boundMwh: 0 }]),
    ) as Record<AmbiguityClass, { count: number; boundMwh: number }>,
    explainedMwh: 0,
    unobservableMwh: zero(UNOBSERVABLE_CLASSES),
    unobservableBoundMwh: zero(UNOBSERVABLE_CLASSES),
    truthMwh: 0,
    accountantMwh: 0,
    engineMwh: 0,
    mismatches: 0,
    mismatchesBySuspect: {},
  };
}

/** Adds `more` into `into`. */
export function addStats(into: OracleStats, more: OracleStats): void {
  into.scenarios += more.scenarios;
  into.readings += more.readings;
  into.messages += more.messages;
  for (const k of FAULT_KINDS) into.faults[k] += more.faults[k];
  for (const k of EVENT_KINDS) into.events[k] += more.events[k];
  for (const k of AMBIGUITY_CLASSES) {
    into.ambiguities[k].count += more.ambiguities[k].count;
    into.ambiguities[k].boundMwh += more.ambiguities[k].boundMwh;
  }
  into.explainedMwh += more.explainedMwh;
  for (const k of UNOBSERVABLE_CLASSES) {
    into.unobservableMwh[k] += more.unobservableMwh[k];
    into.unobservableBoundMwh[k] += more.unobservableBoundMwh[k];
  }
  into.truthMwh += more.truthMwh;
  into.accountantMwh += more.accountantMwh;
  into.engineMwh += more.engineMwh;
  into.mismatches += more.mismatches;
  for (const [k, n] of Object.entries(more.mismatchesBySuspect))
    into.mismatchesBySuspect[k] = (into.mismatchesBySuspect[k] ?? 0) + n;
}
