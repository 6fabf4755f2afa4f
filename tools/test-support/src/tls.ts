import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Paths (and the passphrase) of the files written by {@link writeTestPki}. */
export interface TestPki {
  /** The CA that signed the server and client certificates. */
  caCert: string;
  /** For 127.0.0.1 and localhost, `serverAuth`. */
  serverCert: string;
  serverKey: string;
  /** CN `coreflux-test-client`, `clientAuth`. */
  clientCert: string;
  clientKey: string;
  /** The client key encrypted (AES-256) with {@link TestPki.passphrase}. */
  clientKeyEncrypted: string;
  passphrase: string;
  /** A second CA that signed nothing here: trusting only it must fail. */
  strangerCaCert: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** An EC P-256 key: fast to make, unlike RSA. */
function newKey(dir: string, name: string): void {
  openssl(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name]);
}

function selfSignedCa(dir: string, name: string, commonName: string): void {
  newKey(dir, `${name}.key`);
  openssl(dir, [
    ...["req", "-x509", "-new", "-key", `${name}.key`, "-out", `${name}.crt`],
    ...["-days", "2", "-subj", `/CN=${commonName}`],
    ...["-addext", "basicConstraints=critical,CA:TRUE"],
    ...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  ]);
}

function signedByCa(dir: string, name: string, commonName: string, extensions: string[]): void {
  newKey(dir, `${name}.key`);
  openssl(dir, [
    ...["req", "-new", "-key", `${name}.key`, "-out", `${name}.csr`],
    ...["-subj", `/CN=${commonName}`],
  ]);
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join("\n")}\n`);
  openssl(dir, [
    ...["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key"],
    ...["-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", `${name}.ext`],
  ]);
}

/**
 * Writes into `dir`, with `openssl`: a CA; a server certificate for 127.0.0.1 and localhost and a
 * client certificate (its key also encrypted), both signed by that CA; and an unrelated CA. Valid
 * for two days: they exist for one test run. Throws if `openssl` is missing or fails.
 */
export function writeTestPki(dir: string): TestPki {
  selfSignedCa(dir, "ca", "coreflux test CA");
  selfSignedCa(dir, "stranger-ca", "a CA nobody here trusts");
  signedByCa(dir, "server", "localhost", [
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "extendedKeyUsage=serverAuth",
  ]);
  signedByCa(dir, "client", "coreflux-test-client", ["extendedKeyUsage=clientAuth"]);
  const passphrase = "fixture-Passphrase-93";
  openssl(dir, [
    ...["pkey", "-in", "client.key", "-out", "client-encrypted.key"],
    ...["-aes256", "-passout", `pass:${passphrase}`],
  ]);
  return {
    caCert: join(dir, "ca.crt"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.crt"),
    clientKey: join(dir, "client.key"),
    clientKeyEncrypted: join(dir, "client-encrypted.key"),
    passphrase,
    strangerCaCert: join(dir, "stranger-ca.crt"),
  };
}
