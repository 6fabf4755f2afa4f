import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Paths of the certificates written by {@link writeTlsFixtures}. */
export interface TlsFixtures {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The client key encrypted with {@link TlsFixtures.passphrase}. */
  clientKeyEncrypted: string;
  passphrase: string;
  /** A CA that signed nothing here: trusting only it must fail. */
  otherCaCert: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

function newKey(dir: string, name: string): void {
  openssl(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name]);
}

function selfSignedCa(dir: string, name: string, cn: string): void {
  newKey(dir, `${name}.key`);
  openssl(dir, [
    "req",
    "-x509",
    "-new",
    "-key",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=${cn}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

function signed(dir: string, name: string, cn: string, extensions: string[]): void {
  newKey(dir, `${name}.key`);
  openssl(dir, ["req", "-new", "-key", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join("\n")}\n`);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
}

/**
 * Writes a CA, a server certificate for 127.0.0.1/localhost, a client certificate (also with an
 * encrypted key) signed by it, and an unrelated CA, with `openssl` (EC P-256, fast), into `dir`.
 */
export function writeTlsFixtures(dir: string): TlsFixtures {
  selfSignedCa(dir, "ca", "coreflux test CA");
  selfSignedCa(dir, "other-ca", "unrelated test CA");
  signed(dir, "server", "localhost", [
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "extendedKeyUsage=serverAuth",
  ]);
  signed(dir, "client", "coreflux-test-client", ["extendedKeyUsage=clientAuth"]);
  const passphrase = "fixture-Passphrase-93";
  openssl(dir, [
    "pkey",
    "-in",
    "client.key",
    "-out",
    "client-encrypted.key",
    "-aes256",
    "-passout",
    `pass:${passphrase}`,
  ]);
  return {
    caCert: join(dir, "ca.crt"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.crt"),
    clientKey: join(dir, "client.key"),
    clientKeyEncrypted: join(dir, "client-encrypted.key"),
    passphrase,
    otherCaCert: join(dir, "other-ca.crt"),
  };
}
