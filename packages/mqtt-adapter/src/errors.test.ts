import { describe, expect, it } from "vitest";
import { MqttAdapterError } from "./index";

describe("MqttAdapterError", () => {
  it("carries a code, a message and a cause", () => {
    const cause = new Error("# not last");
    const error = new MqttAdapterError("INVALID_TOPIC_FILTER", "bad filter", { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("MqttAdapterError");
    expect(error.code).toBe("INVALID_TOPIC_FILTER");
    expect(error.message).toBe("bad filter");
    expect(error.cause).toBe(cause);
  });

  it("serialises to its name and code only (the cause stays out of JSON)", () => {
    const error = new MqttAdapterError("AUTH_FAILED", "refused", { cause: new Error("inner") });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: "MqttAdapterError",
      code: "AUTH_FAILED",
    });
  });
});
