import type { IPublishPacket } from "mqtt";
import { describe, expect, it } from "vitest";
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

describe("MessageIntake", () => {
  it("passes the payload buffer through and acks after a sync handler", () => {
    const errors: MqttAdapterError[] = [];
    const intake = new MessageIntake((e) => errors.push(e));
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
    const intake = new MessageIntake(() => {});
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
    const intake = new MessageIntake((e) => errors.push(e));
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
    const intake = new MessageIntake(() => {});
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
    const intake = new MessageIntake(() => {});
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
});
