import { describe, expect, it } from "vitest";
import { ShellySchemaError } from "./index";

describe("ShellySchemaError", () => {
  it("carries a code, a message and a cause", () => {
    const cause = new RangeError("maxPayloadBytes must be positive");
    const error = new ShellySchemaError("INVALID_OPTIONS", "bad options", { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ShellySchemaError");
    expect(error.code).toBe("INVALID_OPTIONS");
    expect(error.message).toBe("bad options");
    expect(error.cause).toBe(cause);
  });
});
