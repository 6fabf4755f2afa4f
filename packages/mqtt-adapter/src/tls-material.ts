import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import type { TlsOptions } from "./client-options";
import { MqttAdapterError } from "./errors";

/** TLS options in the shape `tls.connect` (and mqtt.js) takes, files already read. */
export interface TlsMaterial {
  ca?: (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

async function read(path: string, option: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    const reason = (cause as { code?: string }).code ?? "unreadable";
    throw new MqttAdapterError(
      "INVALID_OPTIONS",
      `cannot read ${option} ${JSON.stringify(path)} (${reason}); check the path and its permissions`,
      { cause },
    );
  }
}

function bytes(value: string | Uint8Array): string | Buffer {
  return typeof value === "string"
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Reads the certificate files and checks that the material loads (a key that does not match
 * its certificate, a wrong passphrase, a file that is not PEM) before any connection is made,
 * so such mistakes fail `connect()` once with `TLS_FAILED` instead of every reconnect.
 */
export async function loadTlsMaterial(tls: TlsOptions): Promise<TlsMaterial> {
  const ca: (string | Buffer)[] = [];
  if (tls.caFile !== undefined) ca.push(await read(tls.caFile, "tls.caFile"));
  if (tls.ca !== undefined) ca.push(bytes(tls.ca));
  const cert = tls.certFile !== undefined ? await read(tls.certFile, "tls.certFile") : tls.cert;
  const key = tls.keyFile !== undefined ? await read(tls.keyFile, "tls.keyFile") : tls.key;
  const material: TlsMaterial = { rejectUnauthorized: tls.rejectUnauthorized !== false };
  if (ca.length > 0) material.ca = ca;
  if (cert !== undefined) material.cert = bytes(cert);
  if (key !== undefined) material.key = bytes(key);
  if (tls.passphrase !== undefined) material.passphrase = tls.passphrase;
  if (tls.servername !== undefined) material.servername = tls.servername;
  try {
    createSecureContext({
      ca: material.ca,
      cert: material.cert,
      key: material.key,
      passphrase: material.passphrase,
    });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new MqttAdapterError(
      "TLS_FAILED",
      `the TLS material does not load: ${message}; check that tls.ca/caFile and tls.cert/certFile are PEM certificates, that tls.key/keyFile is the matching PEM private key, and the passphrase`,
      { cause },
    );
  }
  return material;
}
