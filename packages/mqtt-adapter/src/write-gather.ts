/**
 * Gathers the small writes mqtt-packet makes while the adapter holds a socket corked into one
 * buffer, handed to the socket as a single write when the cork is released (or before anything
 * else reaches the socket).
 *
 * mqtt-packet writes a packet in pieces: a PUBACK is three `write` calls of 1-2 bytes (its
 * fixed header, its length, its packet id), a PUBLISH five or more. Each `write` on a corked Node
 * socket queues an entry (`writeOrBuffer`) and each piece becomes an iovec of the one `writev`
 * the uncork makes: on the 10,000-device benchmark the PUBACKs' path (`generate` and the uncork's
 * `writev`) took 14.6 % of the aggregator's busy CPU, and their queue entries and number buffers
 * a tenth of what it allocated. Copied into a slab instead, a turn's acknowledgements leave as
 * one chunk; the bytes and their order on the wire are the same.
 */

/** Bytes of one piece copied at most; a larger piece is written to the socket as it is. */
export const GATHER_PIECE_MAX_BYTES = 1024;

/** Bytes of a slab the pieces are copied into (a new one when the last is full). */
const SLAB_BYTES = 64 * 1024;

/** A socket as the gatherer sees it (every mqtt.js transport is a Node writable). */
export interface GatherableStream {
  write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean;
  end(...args: unknown[]): unknown;
  readonly destroyed?: boolean;
  readonly writable?: boolean;
  readonly writableNeedDrain?: boolean;
}

/** The gatherers of the sockets seen so far (a socket is never gathered twice). */
const gatherers = new WeakMap<object, WriteGatherer>();

/**
 * The gatherer of `stream`, made (and its `write` and `end` wrapped) the first time. While not
 * {@link WriteGatherer.active} the wrapped methods only pass through.
 */
export function gathererOf(stream: GatherableStream): WriteGatherer {
  let gatherer = gatherers.get(stream);
  if (gatherer === undefined) {
    gatherer = new WriteGatherer(stream);
    gatherers.set(stream, gatherer);
  }
  return gatherer;
}

/**
 * Copies a socket's small writes into a slab while active and writes them as one chunk on
 * {@link flush}. Every write it does not take (a large piece, one with a callback or an
 * encoding other than UTF-8, one while the socket waits for `drain`) and every `end` first
 * flushes what it holds, so the socket receives the same bytes in the same order. A destroyed
 * socket drops what was gathered, as it drops what a cork held.
 */
export class WriteGatherer {
  /** Whether writes are gathered now (the adapter's cork is held). */
  active = false;
  readonly #stream: GatherableStream;
  readonly #write: GatherableStream["write"];
  #slab: Buffer | undefined;
  /** Where the bytes not yet handed to the socket begin in the slab. */
  #from = 0;
  /** Where the next piece goes in the slab. */
  #used = 0;

  constructor(stream: GatherableStream) {
    this.#stream = stream;
    const write = stream.write;
    const end = stream.end;
    this.#write = write;
    // Own properties shadow the stream's methods for this socket only.
    const wrapped = stream as { write: GatherableStream["write"]; end: GatherableStream["end"] };
    // A gathered piece answers as the socket would now: false once it waits for 'drain' (a
    // slab handed over in between may have filled it), which it then emits.
    wrapped.write = (chunk, encoding, callback) =>
      this.#take(chunk, encoding, callback)
        ? stream.writableNeedDrain !== true
        : this.#pass(chunk, encoding, callback);
    wrapped.end = (...args) => {
      this.flush();
      return end.apply(stream, args);
    };
  }

  /** Bytes gathered and not yet handed to the socket. */
  get pendingBytes(): number {
    return this.#used - this.#from;
  }

  /** Hands what was gathered to the socket as one write (nothing when the socket is gone). */
  flush(): void {
    const slab = this.#slab;
    if (slab === undefined || this.#used === this.#from) return;
    const chunk = slab.subarray(this.#from, this.#used);
    this.#from = this.#used;
    if (this.#stream.destroyed === true) return;
    this.#write.call(this.#stream, chunk);
  }

  #pass(chunk: unknown, encoding: unknown, callback: unknown): boolean {
    this.flush();
    return this.#write.call(this.#stream, chunk, encoding, callback);
  }

  /** Copies `chunk` into the slab if it is one to gather; false when it must pass. */
  #take(chunk: unknown, encoding: unknown, callback: unknown): boolean {
    const stream = this.#stream;
    if (
      !this.active ||
      callback !== undefined ||
      stream.writableNeedDrain === true ||
      stream.writable === false ||
      stream.destroyed === true
    ) {
      return false;
    }
    if (chunk instanceof Uint8Array) {
      if (encoding !== undefined && typeof encoding !== "string") return false;
      const bytes = chunk.byteLength;
      if (bytes > GATHER_PIECE_MAX_BYTES) return false;
      const slab = this.#slabFor(bytes);
      slab.set(chunk, this.#used);
      this.#used += bytes;
      return true;
    }
    if (typeof chunk === "string") {
      if (encoding !== undefined && encoding !== "utf8" && encoding !== "utf-8") return false;
      // At most 3 bytes per UTF-16 unit: measured exactly only when that bound is too large.
      let bytes = chunk.length * 3;
      if (bytes > GATHER_PIECE_MAX_BYTES) {
        bytes = Buffer.byteLength(chunk, "utf8");
        if (bytes > GATHER_PIECE_MAX_BYTES) return false;
      }
      // The slab first: it may be a new one, which moves `#used` back to its start.
      const slab = this.#slabFor(bytes);
      this.#used += slab.write(chunk, this.#used, "utf8");
      return true;
    }
    return false;
  }

  /**
   * The slab, with room for `bytes` more at `#used`: a new one when the current is full (its
   * gathered part written first; parts already written stay the socket's).
   */
  #slabFor(bytes: number): Buffer {
    const slab = this.#slab;
    if (slab !== undefined && this.#used + bytes <= slab.length) return slab;
    this.flush();
    const fresh = Buffer.allocUnsafeSlow(SLAB_BYTES);
    this.#slab = fresh;
    this.#from = 0;
    this.#used = 0;
    return fresh;
  }
}
