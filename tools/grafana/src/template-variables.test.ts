import { describe, expect, it } from "vitest";
import {
  ALL_VALUE,
  type FrontendContext,
  interpolateTemplateVariables,
} from "./template-variables";

const context = (
  variables: FrontendContext["variables"],
  intervalMs = 60_000,
): FrontendContext => ({
  fromMs: 1_000,
  toMs: 2_000,
  intervalMs,
  variables,
});

describe("interpolateTemplateVariables (Grafana's frontend with the MySQL datasource)", () => {
  it("a single-value variable is inserted with ' doubled and no quotes added", () => {
    const c = context({ host: { current: "it's" } });
    expect(interpolateTemplateVariables("WHERE host = '$host'", c)).toBe("WHERE host = 'it''s'");
    expect(interpolateTemplateVariables("WHERE host = ${host}", c)).toBe("WHERE host = it''s");
    expect(interpolateTemplateVariables("WHERE host = [[host]]", c)).toBe("WHERE host = it''s");
  });

  it("a multi-value variable becomes a quoted, comma-separated list, even with one value", () => {
    const c = context({
      office: { current: ["Porto", "Lisboa"], multi: true },
      one: { current: ["Porto"], multi: true },
    });
    expect(interpolateTemplateVariables("o IN ($office)", c)).toBe("o IN ('Porto','Lisboa')");
    expect(interpolateTemplateVariables("o = $one", c)).toBe("o = 'Porto'");
  });

  it("an All-capable variable quotes a single value (so '$var' doubles the quotes)", () => {
    const c = context({ region: { current: "us-east", includeAll: true } });
    expect(interpolateTemplateVariables("r = '$region'", c)).toBe("r = ''us-east''");
  });

  it("All stands for every option, or for the custom all value inserted unformatted", () => {
    const c = context({
      office: { current: ALL_VALUE, includeAll: true, multi: true, options: ["A", "B"] },
      host: { current: [ALL_VALUE], includeAll: true, allValue: ".*" },
    });
    expect(interpolateTemplateVariables("o IN ($office)", c)).toBe("o IN ('A','B')");
    expect(interpolateTemplateVariables("h RLIKE '$host'", c)).toBe("h RLIKE '.*'");
  });

  it("named formats: sqlstring, csv, raw, pipe, singlequote, doublequote", () => {
    const c = context({ v: { current: ["a'b", 'c"d'], multi: true } });
    expect(interpolateTemplateVariables("${v:sqlstring}", c)).toBe(`'a''b','c\\"d'`);
    expect(interpolateTemplateVariables("${v:csv}", c)).toBe(`a'b,c"d`);
    expect(interpolateTemplateVariables("${v:raw}", c)).toBe(`a'b,c"d`);
    expect(interpolateTemplateVariables("${v:pipe}", c)).toBe(`a'b|c"d`);
    expect(interpolateTemplateVariables("${v:singlequote}", c)).toBe(`'a\\'b','c"d'`);
    expect(interpolateTemplateVariables("${v:doublequote}", c)).toBe(`"a'b","c\\"d"`);
    expect(() => interpolateTemplateVariables("${v:percentencode}", c)).toThrow(/not supported/);
  });

  it("built-ins: $__interval as Grafana writes it, $__interval_ms, $__from, $__to", () => {
    const c = context({}, 90 * 60_000);
    expect(interpolateTemplateVariables("$__interval $__interval_ms $__from ${__to}", c)).toBe(
      "1h 5400000 1000 2000",
    );
    expect(interpolateTemplateVariables("$__interval", context({}, 30_000))).toBe("30s");
    expect(interpolateTemplateVariables("$__interval", context({}, 2 * 86_400_000))).toBe("2d");
    expect(interpolateTemplateVariables("$__interval", context({}, 250))).toBe("250ms");
  });

  it("unknown names and macros are left for the backend", () => {
    const c = context({});
    expect(interpolateTemplateVariables("$__timeFilter(t) AND x = $nope", c)).toBe(
      "$__timeFilter(t) AND x = $nope",
    );
  });
});
