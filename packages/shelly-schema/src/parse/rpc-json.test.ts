import { describe, expect, it } from "vitest";
import { expectError, messageOfKind } from "../../test/expect-result";
import { parseAllWays } from "../../test/parse-both";

describe("RPC responses on <caller>/rpc", () => {
  it("a result response confirms a command", () => {
    const message = messageOfKind(
      parseAllWays("energy-aggregator/rpc", {
        id: "cmd-7",
        src: "shelly1pmg4-a0b1c2d3e4f5",
        dst: "energy-aggregator",
        result: { was_on: false },
      }),
      "rpc-response",
    );
    expect(message).toStrictEqual({
      kind: "rpc-response",
      prefix: "energy-aggregator",
      generation: 4,
      src: "shelly1pmg4-a0b1c2d3e4f5",
      dst: "energy-aggregator",
      id: "cmd-7",
      result: { was_on: false },
      readings: [],
    });
  });

  it("an error response carries the device's code and message", () => {
    const message = messageOfKind(
      parseAllWays("Coreflux/aggregator/rpc", {
        id: 43,
        src: "shellypro4pm-30c6f7a4b5c6",
        dst: "Coreflux/aggregator",
        error: { code: -103, message: "Invalid argument 'id': no such component" },
      }),
      "rpc-response",
    );
    expect(message.error).toStrictEqual({
      code: -103,
      message: "Invalid argument 'id': no such component",
    });
    expect(message.result).toBeUndefined();
    expect(message.prefix).toBe("Coreflux/aggregator");
  });

  it("a null result is a result", () => {
    const message = messageOfKind(
      parseAllWays("agg/rpc", { id: 1, src: "d", dst: "agg", result: null }),
      "rpc-response",
    );
    expect(message.result).toBeNull();
  });

  it.each([
    ["no result and no error", { id: 1, src: "d", dst: "agg" }],
    ["both result and error", { id: 1, src: "d", dst: "agg", result: {}, error: { code: 1 } }],
    ["no id", { src: "d", dst: "agg", result: {} }],
    ["no dst", { id: 1, src: "d", result: {} }],
    ["an id that is an object", { id: {}, src: "d", dst: "agg", result: {} }],
    ["an error without a numeric code", { id: 1, src: "d", dst: "agg", error: { code: "x" } }],
    ["an array", [1]],
    ["a JSON string", '"ok"'],
  ])("%s is SCHEMA_MISMATCH", (_label, payload) => {
    expectError(parseAllWays("agg/rpc", payload), "SCHEMA_MISMATCH");
  });

  it("a result nested deeper than 32 levels is refused, not passed on", () => {
    const deep = `{"id":1,"src":"d","dst":"agg","result":${"[".repeat(40)}${"]".repeat(40)}}`;
    expect(expectError(parseAllWays("agg/rpc", deep), "SCHEMA_MISMATCH")).toContain("32 levels");
    const shallow = `{"id":1,"src":"d","dst":"agg","result":${"[".repeat(32)}${"]".repeat(32)}}`;
    expect(parseAllWays("agg/rpc", shallow).ok).toBe(true);
  });
});

describe("RPC requests on <device prefix>/rpc", () => {
  it("a Switch.Set request is recognised as a request", () => {
    const message = messageOfKind(
      parseAllWays("Coreflux/Porto/MeetingRoom/Light1/rpc", {
        id: 42,
        src: "energy-aggregator",
        method: "Switch.Set",
        params: { id: 0, on: false },
      }),
      "rpc-request",
    );
    expect(message).toStrictEqual({
      kind: "rpc-request",
      prefix: "Coreflux/Porto/MeetingRoom/Light1",
      generation: 2,
      src: "energy-aggregator",
      id: 42,
      method: "Switch.Set",
      params: { id: 0, on: false },
      readings: [],
    });
  });

  it("a request without src or with a non-string method is SCHEMA_MISMATCH", () => {
    expectError(parseAllWays("dev/rpc", { id: 1, method: "Shelly.GetStatus" }), "SCHEMA_MISMATCH");
    expectError(parseAllWays("dev/rpc", { src: "me", method: 5 }), "SCHEMA_MISMATCH");
  });

  it("a notification-style request without id is fine", () => {
    const message = messageOfKind(
      parseAllWays("dev/rpc", { src: "me", method: "Shelly.GetStatus" }),
      "rpc-request",
    );
    expect(message.id).toBeUndefined();
    expect(message.params).toBeUndefined();
  });
});
