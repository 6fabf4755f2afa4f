import { describe, expect, it } from "vitest";
import { HierarchyError } from "./index";

describe("HierarchyError", () => {
  it("carries a code, a message and a cause", () => {
    const cause = new RangeError("tsMs is NaN");
    const error = new HierarchyError("INVALID_ARGUMENT", "bad reading", { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("HierarchyError");
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toBe("bad reading");
    expect(error.cause).toBe(cause);
  });
});
