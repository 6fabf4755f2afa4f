import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { GATHER_PIECE_MAX_BYTES, gathererOf } from "./write-gather";

/** A socket stand-in that records every chunk `_write` receives (one call per chunk). */
function recordingStream(options: { highWaterMark?: number } = {}) {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: options.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { stream, chunks, bytes: () => Buffer.concat(chunks) };
}

/** Writes `pieces` the way mqtt-packet does: one `write` call each, no callback. */
function writeAll(stream: Writable, pieces: (Buffer | string)[]): void {
  for (const piece of pieces) stream.write(piece);
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("WriteGatherer", () => {
  it("passes writes through untouched while not active", async () => {
    const { stream, chunks } = recordingStream();
    gathererOf(stream);
    writeAll(stream, [Buffer.from([0x40]), Buffer.from([2]), Buffer.from([0, 7])]);
    await tick();
    expect(chunks.map((c) => [...c])).toEqual([[0x40], [2], [0, 7]]);
  });

  it("hands a turn's small pieces to the socket as one chunk, bytes and order unchanged", async () => {
    const { stream, chunks, bytes } = recordingStream();
    const gatherer = gathererOf(stream);
    gatherer.active = true;
    const pieces = [Buffer.from([0x40]), Buffer.from([2]), Buffer.from([0, 7]), "topic/é", "x"];
    writeAll(stream, pieces);
    await tick();
    expect(chunks).toHaveLength(0); // held until the flush
    expect(gatherer.pendingBytes).toBe(4 + Buffer.byteLength("topic/é") + 1);
    gatherer.flush();
    await tick();
    expect(chunks).toHaveLength(1);
    expect(bytes()).toEqual(Buffer.concat(pieces.map((p) => Buffer.from(p))));
    expect(gatherer.pendingBytes).toBe(0);
  });

  it("copies each piece: a buffer changed after its write does not change what is sent", () => {
    const { stream, bytes } = recordingStream();
    const gatherer = gathererOf(stream);
    gatherer.active = true;
    const reused = Buffer.from([1, 2]);
    stream.write(reused);
    reused.fill(9);
    stream.write(reused);
    gatherer.flush();
    expect([...bytes()]).toEqual([1, 2, 9, 9]);
  });

  it("writes what it holds before a piece it does not take, so the order stays", async () => {
    const { stream, chunks, bytes } = recordingStream({ highWaterMark: 1 << 20 });
    const gatherer = gathererOf(stream);
    gatherer.active = true;
    const large = Buffer.alloc(GATHER_PIECE_MAX_BYTES + 1, 5);
    const latin1 = "caf\u00e9";
    let called = false;
    stream.write(Buffer.from([1]));
    stream.write(large); // too large
    stream.write(Buffer.from([2]));
    stream.write(latin1, "latin1"); // an encoding it does not copy
    stream.write(Buffer.from([3]), () => {
      called = true;
    }); // a callback of its own
    stream.write(Buffer.from([4]));
    gatherer.flush();
    expect(bytes()).toEqual(
      Buffer.concat([
        Buffer.from([1]),
        large,
        Buffer.from([2]),
        Buffer.from(latin1, "latin1"),
        Buffer.from([3, 4]),
      ]),
    );
    expect(chunks.map((c) => c.length)).toEqual([1, large.length, 1, 4, 1, 1]);
    await tick();
    expect(called).toBe(true);
  });

  it("keeps every byte in order across slabs (pieces of mixed kinds past 64 KiB)", () => {
    const { stream, chunks, bytes } = recordingStream({ highWaterMark: 1 << 24 });
    const gatherer = gathererOf(stream);
    gatherer.active = true;
    const pieces: (Buffer | string)[] = [];
    for (let i = 0; i < 3000; i++) {
      pieces.push(Buffer.from([0x30, i & 0xff]));
      pieces.push(`device-${i}/status/switch:0`);
      pieces.push(Buffer.alloc(40 + (i % 7), i & 0xff));
    }
    writeAll(stream, pieces);
    gatherer.flush();
    const expected = Buffer.concat(pieces.map((p) => Buffer.from(p)));
    expect(expected.length).toBeGreaterThan(3 * 64 * 1024);
    expect(bytes().equals(expected)).toBe(true);
    expect(chunks.length).toBeGreaterThan(2); // one per slab filled
    expect(chunks.length).toBeLessThan(10);
  });

  it("does not gather while the socket waits for 'drain'; the write's own result stands", () => {
    const { stream, chunks } = recordingStream({ highWaterMark: 4 });
    stream.cork(); // nothing reaches _write: the socket's buffer fills
    const gatherer = gathererOf(stream);
    expect(stream.write(Buffer.alloc(8))).toBe(false);
    gatherer.active = true;
    expect(stream.write(Buffer.from([1]))).toBe(false);
    expect(gatherer.pendingBytes).toBe(0);
    stream.uncork();
    expect(chunks.map((c) => c.length)).toEqual([8, 1]);
  });

  it("answers false once a handed-over slab filled the socket, and the socket emits 'drain'", async () => {
    const chunks: number[] = [];
    const stream = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.length);
        setImmediate(callback); // the socket's buffer empties later
      },
    });
    const gatherer = gathererOf(stream);
    gatherer.active = true;
    const answers: boolean[] = [];
    for (let i = 0; i < 70; i++) answers.push(stream.write(Buffer.alloc(1000, i)));
    // 65 pieces fill the first slab; the 66th hands it over (65,000 bytes: 'drain' is due) and
    // is gathered in a new one; the rest pass through (after it) while the socket is full.
    expect(answers.slice(0, 65).every(Boolean)).toBe(true);
    expect(answers.slice(65)).toEqual([false, false, false, false, false]);
    expect(gatherer.pendingBytes).toBe(0);
    await new Promise((resolve) => stream.once("drain", resolve));
    expect(chunks).toEqual([65_000, 1000, 1000, 1000, 1000, 1000]);
  });

  it("sends what it holds before the socket ends", async () => {
    const { stream, bytes } = recordingStream();
    const gatherer = gathererOf(stream);
    gatherer.active = true;
    stream.write(Buffer.from([0xe0, 0]));
    const finished = new Promise((resolve) => stream.on("finish", resolve));
    stream.end();
    await finished;
    expect([...bytes()]).toEqual([0xe0, 0]);
  });

  it("drops what it holds when the socket was destroyed, as a cork does", async () => {
    const { stream, chunks } = recordingStream();
    stream.on("error", () => {});
    const gatherer = gathererOf(stream);
    gatherer.active = true;
    stream.write(Buffer.from([0x40, 2, 0, 1]));
    stream.destroy();
    gatherer.flush();
    await tick();
    expect(chunks).toHaveLength(0);
    expect(gatherer.pendingBytes).toBe(0);
  });

  it("wraps a socket once, however often it is asked for", () => {
    const { stream } = recordingStream();
    const first = gathererOf(stream);
    const write = stream.write;
    expect(gathererOf(stream)).toBe(first);
    expect(stream.write).toBe(write);
  });
});
