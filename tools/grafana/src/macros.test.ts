import { describe, expect, it } from "vitest";
import { expandMacros, expandQuery, replaceGlobalMacros } from "./macros";

// 2018-04-12 18:00:00 UTC to 18:05:00 UTC, with milliseconds that Grafana drops.
const FROM = Date.UTC(2018, 3, 12, 18, 0, 0, 250);
const TO = Date.UTC(2018, 3, 12, 18, 5, 0, 999);
const range = { fromMs: FROM, toMs: TO };
const fromS = 1523556000;
const toS = 1523556300;

describe("expandMacros (Grafana's MySQL macro engine)", () => {
  it("$__timeFilter is an inclusive BETWEEN of FROM_UNIXTIME whole seconds", () => {
    expect(expandMacros("WHERE $__timeFilter(time_column)", range)).toBe(
      `WHERE time_column BETWEEN FROM_UNIXTIME(${fromS}) AND FROM_UNIXTIME(${toS})`,
    );
  });

  it("$__timeFilter before 1970 counts seconds back from FROM_UNIXTIME(0)", () => {
    const old = { fromMs: Date.UTC(1960, 1, 1, 7), toMs: Date.UTC(1980, 1, 3, 8) };
    expect(expandMacros("WHERE $__timeFilter(t)", old)).toBe(
      "WHERE t BETWEEN DATE_ADD(FROM_UNIXTIME(0), INTERVAL -312915600 SECOND) AND FROM_UNIXTIME(318412800)",
    );
  });

  it("$__timeFrom() and $__timeTo() are FROM_UNIXTIME of the range ends", () => {
    expect(expandMacros("select $__timeFrom(), $__timeTo()", range)).toBe(
      `select FROM_UNIXTIME(${fromS}), FROM_UNIXTIME(${toS})`,
    );
  });

  it("$__timeGroup divides UNIX_TIMESTAMP by the interval; the alias names it time", () => {
    expect(expandMacros("GROUP BY $__timeGroup(time_column,'5m')", range)).toBe(
      "GROUP BY UNIX_TIMESTAMP(time_column) DIV 300 * 300",
    );
    expect(expandMacros("SELECT $__timeGroupAlias(time_column , '5m')", range)).toBe(
      'SELECT UNIX_TIMESTAMP(time_column) DIV 300 * 300 AS "time"',
    );
    expect(expandMacros('SELECT $__timeGroup(t, "1h30m")', range)).toBe(
      "SELECT UNIX_TIMESTAMP(t) DIV 5400 * 5400",
    );
    expect(expandMacros("SELECT $__timeGroup(t, 1d)", range)).toBe(
      "SELECT UNIX_TIMESTAMP(t) DIV 86400 * 86400",
    );
    expect(expandMacros("SELECT $__timeGroup(t, 2w)", range)).toBe(
      "SELECT UNIX_TIMESTAMP(t) DIV 1209600 * 1209600",
    );
  });

  it("$__timeGroup rounds sub-second widths half to even, like Go's %.0f", () => {
    expect(expandMacros("SELECT $__timeGroup(t, 500ms)", range)).toBe(
      "SELECT UNIX_TIMESTAMP(t) DIV 0 * 0",
    );
    expect(expandMacros("SELECT $__timeGroup(t, 1500ms)", range)).toBe(
      "SELECT UNIX_TIMESTAMP(t) DIV 2 * 2",
    );
  });

  it("$__timeGroup months are calendar months from now, and need now", () => {
    const nowMs = Date.UTC(2026, 1, 10); // February: 28 days
    expect(expandMacros("SELECT $__timeGroup(t, 1M)", range, { nowMs })).toBe(
      "SELECT UNIX_TIMESTAMP(t) DIV 2419200 * 2419200",
    );
    expect(() => expandMacros("SELECT $__timeGroup(t, 1M)", range)).toThrow(/interval/);
  });

  it("$__timeGroup accepts a fill value and rejects a bad one or a bad interval", () => {
    expect(expandMacros("SELECT $__timeGroup(t, '5m', 0)", range)).toBe(
      "SELECT UNIX_TIMESTAMP(t) DIV 300 * 300",
    );
    expect(expandMacros("SELECT $__timeGroup(t, '5m', previous)", range)).toContain("DIV 300");
    expect(() => expandMacros("SELECT $__timeGroup(t, '5m', zero)", range)).toThrow(
      /error parsing fill value zero/,
    );
    expect(() => expandMacros("SELECT $__timeGroup(t, 'soon')", range)).toThrow(
      /error parsing interval 'soon'/,
    );
    expect(() => expandMacros("SELECT $__timeGroup(t)", range)).toThrow(/needs time column/);
  });

  it("$__unixEpochFilter and $__unixEpochGroup work on epoch-second columns", () => {
    expect(expandMacros("select $__unixEpochFilter(time)", range)).toBe(
      `select time >= ${fromS} AND time <= ${toS}`,
    );
    expect(expandMacros("SELECT $__unixEpochGroupAlias(time_column,'5m')", range)).toBe(
      'SELECT time_column DIV 300 * 300 AS "time"',
    );
  });

  it("$__unixEpochNano* print nanoseconds exactly", () => {
    expect(expandMacros("select $__unixEpochNanoFrom(), $__unixEpochNanoTo()", range)).toBe(
      `select ${FROM}000000, ${TO}000000`,
    );
  });

  it("$__time wraps the column in UNIX_TIMESTAMP as time_sec", () => {
    expect(expandMacros("select min($__time(time_column))", range)).toBe(
      "select min(UNIX_TIMESTAMP(time_column) as time_sec)",
    );
  });

  it("macros inside comments are not expanded (the comments go), quoted text is kept", () => {
    expect(
      expandMacros("SELECT '-- $x' AS a -- $__nope(x)\n/* $__nope() */ FROM t # $__nope()", range),
    ).toBe("SELECT '-- $x' AS a \n FROM t ");
  });

  it("refuses unknown macros and restricted queries", () => {
    expect(() => expandMacros("SELECT $__nope(x)", range)).toThrow(/unknown macro __nope/);
    expect(() => expandMacros("SELECT current_user()", range)).toThrow(/not allowed/);
    expect(() => expandMacros(" show grants;", range)).toThrow(/not allowed/);
  });
});

describe("replaceGlobalMacros (every SQL datasource's backend substitutions)", () => {
  it("replaces $__interval_ms before $__interval, and the epoch ends", () => {
    expect(
      replaceGlobalMacros(
        "$__interval_ms $__interval $__unixEpochFrom() $__unixEpochTo()",
        range,
        90 * 60_000,
      ),
    ).toBe(`5400000 1h ${fromS} ${toS}`);
  });
});

describe("expandQuery (frontend, then backend)", () => {
  it("puts the frontend's interval text into $__timeGroupAlias and quotes multi-value lists", () => {
    const sql = expandQuery(
      "SELECT $__timeGroupAlias(t, $__interval), v FROM x WHERE $__timeFilter(t) AND o IN ($office) AND c = '$company'",
      {
        ...range,
        intervalMs: 15 * 60_000,
        variables: {
          office: { current: ["Porto", "Lisboa"], multi: true, includeAll: true },
          company: { current: "O'Neil" },
        },
      },
    );
    expect(sql).toBe(
      `SELECT UNIX_TIMESTAMP(t) DIV 900 * 900 AS "time", v FROM x WHERE t BETWEEN FROM_UNIXTIME(${fromS}) AND FROM_UNIXTIME(${toS}) AND o IN ('Porto','Lisboa') AND c = 'O''Neil'`,
    );
  });
});
