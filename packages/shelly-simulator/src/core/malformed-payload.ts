import { MessageFault, type MessageFaultCode } from "./message-fault";
import type { Prng } from "./prng";

/**
 * The payload of a malformed message: truncated JSON (a scalar gets a stray `.`), a value of the
 * wrong type (the builder already quoted a JSON field; a scalar is quoted here), or garbage bytes
 * that are not UTF-8. None of them parses; zero and spike payloads pass unchanged.
 */
export function corrupt(payload: string, fault: MessageFaultCode, rng: Prng): string | Uint8Array {
  const json = payload.charCodeAt(0) === 123; // "{"
  switch (fault) {
    case MessageFault.truncated:
      return json
        ? payload.slice(0, Math.max(1, Math.floor(payload.length * rng.range(0.3, 0.9))))
        : `${payload}.`;
    case MessageFault.wrongType:
      return json ? payload : `"${payload}"`;
    case MessageFault.garbage: {
      const bytes = new Uint8Array(8 + rng.int(33));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
      bytes[0] = 0xff; // never valid UTF-8
      return bytes;
    }
    default:
      return payload;
  }
}
