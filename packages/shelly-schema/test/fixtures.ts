import { readFileSync } from "node:fs";

/** The shared, wire-exact fixtures; read at test time, never copied into this package. */
export const FIXTURES_PATH = "/work/shared/shelly/fixtures.json";

export interface Fixture {
  readonly name: string;
  readonly topic: string;
  readonly payload: string;
}

export function loadFixtures(): Fixture[] {
  return JSON.parse(readFileSync(FIXTURES_PATH, "utf8")) as Fixture[];
}

export function fixture(name: string): Fixture {
  const found = loadFixtures().find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no fixture named ${name}`);
  return found;
}

const encoder = new TextEncoder();

/** A string as the UTF-8 bytes an MQTT client would hand over. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}
