import { describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT, heapTuningFlag, tuneHeap } from "./heap-tuning";

describe("heap tuning", () => {
  const ours = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

  it("sets the growing percent when the operator gave no heap option", () => {
    expect(heapTuningFlag([])).toBe(ours);
    expect(heapTuningFlag(["--enable-source-maps"], "--trace-warnings")).toBe(ours);
    // Options that only look alike are not heap options.
    expect(heapTuningFlag(["--max-old-space-size-ish=1"], "")).toBe(ours);
  });

  it("leaves the heap alone when the operator chose, on the command line or in NODE_OPTIONS", () => {
    expect(heapTuningFlag(["--max-old-space-size=512"])).toBeUndefined();
    expect(heapTuningFlag(["--max_old_space_size=512"])).toBeUndefined();
    expect(heapTuningFlag([], "--require x.js --heap-growing-percent=0")).toBeUndefined();
    expect(heapTuningFlag([], "  --max-old-space-size=1024  ")).toBeUndefined();
  });

  it("applies to the running process and says what it set", () => {
    expect(tuneHeap([], undefined)).toBe(ours);
    expect(tuneHeap(["--max-old-space-size=4096"], undefined)).toBeUndefined();
  });
});
