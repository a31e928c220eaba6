import { describe, expect, it } from "vitest";
import { releasePooledBuffer, takePooledBuffer } from "./bufferPool.js";

describe("bufferPool", () => {
  it("hands a given-back buffer out again, once even when given back twice (aliases)", () => {
    const a = takePooledBuffer(123457);
    releasePooledBuffer(a);
    releasePooledBuffer(new Uint8Array(a.buffer, 0, 10)); // a view of the same buffer: ignored
    const b = takePooledBuffer(123457);
    expect(b.buffer).toBe(a.buffer);
    const c = takePooledBuffer(123457);
    expect(c.buffer).not.toBe(a.buffer);
  });

  it("ignores buffers it did not hand out", () => {
    const foreign = Buffer.allocUnsafeSlow(99991);
    releasePooledBuffer(foreign);
    expect(takePooledBuffer(99991).buffer).not.toBe(foreign.buffer);
  });
});
