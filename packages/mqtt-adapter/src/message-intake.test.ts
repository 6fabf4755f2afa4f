import type { IPublishPacket } from "mqtt";
import { describe, expect, it } from "vitest";
import { busyFor, turnCounter } from "../test/helpers/turns";
import type { MqttAdapterError } from "./errors";
import { MessageIntake } from "./message-intake";

function packet(topic: string, qos: 0 | 1 = 1): IPublishPacket {
  return {
    cmd: "publish",
    topic,
    payload: Buffer.from(topic),
    qos,
    retain: false,
    dup: false,
    messageId: qos ? 7 : undefined,
  };
}

/**
 * An intake without a turn budget, for the tests that are not about it: with the default 8 ms a
 * machine busy enough to hold this process that long between a message's start and its ack would
 * move the ack to a later turn (as it should), and a synchronous `expect(acked)` would fail.
 */
function unbudgeted(onHandlerError: (error: MqttAdapterError) => void): MessageIntake {
  return new MessageIntake(onHandlerError, undefined, Number.POSITIVE_INFINITY);
}

describe("MessageIntake", () => {
  it("passes the payload buffer through and acks after a sync handler", () => {
    const errors: MqttAdapterError[] = [];
    const intake = unbudgeted((e) => errors.push(e));
    const p = packet("a/b");
    let seen: unknown[] = [];
    intake.setHandler((topic, payload, info) => {
      seen = [topic, payload, info];
    });
    let acked = 0;
    intake.handleMessage(p, () => acked++);
    expect(seen[0]).toBe("a/b");
    expect(seen[1]).toBe(p.payload);
    expect(seen[2]).toEqual({
      qos: 1,
      retain: false,
      dup: false,
      messageId: 7,
      properties: undefined,
    });
    expect(acked).toBe(1);
    expect(intake.received).toBe(1);
  });

  it("acks only after the handler's promise settles", async () => {
    const intake = unbudgeted(() => {});
    let release: () => void = () => {};
    intake.setHandler(() => new Promise<void>((resolve) => (release = resolve)));
    let acked = 0;
    intake.handleMessage(packet("x"), () => acked++);
    await new Promise((r) => setTimeout(r, 5));
    expect(acked).toBe(0);
    release();
    await Promise.resolve();
    await Promise.resolve();
    expect(acked).toBe(1);
  });

  it("reports throwing and rejecting handlers as HANDLER_FAILED and still acks", async () => {
    const errors: MqttAdapterError[] = [];
    const intake = unbudgeted((e) => errors.push(e));
    let acked = 0;
    intake.setHandler(() => {
      throw new Error("sync boom");
    });
    intake.handleMessage(packet("a"), () => acked++);
    intake.setHandler(() => Promise.reject(new Error("async boom")));
    intake.handleMessage(packet("b"), () => acked++);
    await new Promise((r) => setTimeout(r, 1));
    expect(acked).toBe(2);
    expect(intake.handlerErrors).toBe(2);
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      [
        "HANDLER_FAILED",
        'the message handler failed on "a": sync boom; the message was acknowledged and will not be redelivered',
      ],
      [
        "HANDLER_FAILED",
        'the message handler failed on "b": async boom; the message was acknowledged and will not be redelivered',
      ],
    ]);
  });

  it("parks a message that arrives before a handler, unacked, until one is set", () => {
    const intake = unbudgeted(() => {});
    let acked = 0;
    intake.handleMessage(packet("early"), () => acked++);
    expect(acked).toBe(0);
    expect(intake.received).toBe(0);
    const topics: string[] = [];
    intake.setHandler((topic) => {
      topics.push(topic);
    });
    expect(topics).toEqual(["early"]);
    expect(acked).toBe(1);
  });

  it("acks once even if a thenable settles twice", () => {
    const intake = unbudgeted(() => {});
    intake.setHandler(
      () =>
        ({
          // biome-ignore lint/suspicious/noThenProperty: a misbehaving thenable is the point here
          then(ok: () => void, fail: (e: unknown) => void) {
            ok();
            fail(new Error("again"));
            ok();
          },
        }) as PromiseLike<void>,
    );
    let acked = 0;
    intake.handleMessage(packet("x"), () => acked++);
    expect(acked).toBe(1);
    expect(intake.handlerErrors).toBe(0);
  });

  /**
   * Feeds `count` packets the way mqtt.js does: the next one when `done` of the previous is
   * called. Resolves with the turn each was handled in (a counter a `setImmediate` chain moves
   * on once per turn of the event loop) once all were acknowledged.
   */
  function feed(intake: MessageIntake, count: number): Promise<number[]> {
    const counter = turnCounter();
    const turns: number[] = [];
    return new Promise((resolve) => {
      const next = (i: number) => {
        if (i === count) {
          counter.stop();
          resolve(turns);
          return;
        }
        turns.push(counter.turn());
        intake.handleMessage(packet(`m/${i}`), () => next(i + 1));
      };
      next(0);
    });
  }

  /** A handler that keeps the thread busy `ms` per message. */
  const busy = (ms: number) => () => busyFor(ms);

  /** How many messages each turn handled. */
  const perTurn = (turns: number[]) => {
    const sizes = new Map<number, number>();
    for (const turn of turns) sizes.set(turn, (sizes.get(turn) ?? 0) + 1);
    return [...sizes.values()];
  };

  it("leaves the rest of a read for later turns once the turn's messages took the budget", async () => {
    const intake = new MessageIntake(() => {}, undefined, 5);
    intake.setHandler(busy(1));
    const turns = await feed(intake, 40);
    const sizes = perTurn(turns);
    // 1 ms each against 5 ms: the 5th message (or earlier, on a slow clock) ends a turn.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5);
    expect(sizes.length).toBeGreaterThanOrEqual(8);
    // A yield before each later turn, and one after the last message if it ended a turn.
    expect(intake.turnsYielded).toBeGreaterThanOrEqual(sizes.length - 1);
    expect(intake.turnsYielded).toBeLessThanOrEqual(sizes.length);
    expect(intake.received).toBe(40);
  });

  it("with an infinite budget handles a whole read in one turn", async () => {
    const intake = new MessageIntake(() => {}, undefined, Number.POSITIVE_INFINITY);
    intake.setHandler(busy(1));
    expect(perTurn(await feed(intake, 40))).toEqual([40]);
    expect(intake.turnsYielded).toBe(0);
  });

  it("acknowledges an async handler's message at once when it settles in a later turn", async () => {
    const intake = new MessageIntake(() => {}, undefined, 0);
    let release: () => void = () => {};
    intake.setHandler(() => new Promise<void>((resolve) => (release = resolve)));
    let acked = 0;
    intake.handleMessage(packet("x"), () => acked++);
    await new Promise((r) => setTimeout(r, 5));
    release();
    await Promise.resolve();
    await Promise.resolve();
    // The turn it arrived in is over: settling starts no new budget to wait for.
    expect(acked).toBe(1);
    expect(intake.turnsYielded).toBe(0);
  });
});
