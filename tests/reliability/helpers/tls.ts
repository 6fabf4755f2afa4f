import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Files written by {@link makeTestPki}. */
export interface TestPki {
  /** The CA that signed the broker's certificate. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A second CA that signed nothing here: trusting only it must fail. */
  strangerCaCert: string;
}

function run(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** A P-256 key (fast to make) in `<name>.key` and a self-signed CA certificate in `<name>.crt`. */
function makeCa(dir: string, name: string, commonName: string): void {
  run(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`]);
  run(dir, [
    ...["req", "-x509", "-new", "-key", `${name}.key`, "-out", `${name}.crt`],
    ...["-days", "1", "-subj", `/CN=${commonName}`],
    ...["-addext", "basicConstraints=critical,CA:TRUE"],
    ...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  ]);
}

/**
 * Writes, with `openssl`, a CA, a broker certificate for 127.0.0.1 and localhost signed by it,
 * and an unrelated CA, into `dir`. Valid for one day: they exist only for one test run.
 */
export function makeTestPki(dir: string): TestPki {
  makeCa(dir, "ca", "coreflux reliability CA");
  makeCa(dir, "stranger-ca", "a CA nobody here trusts");
  run(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "broker.key"]);
  run(dir, ["req", "-new", "-key", "broker.key", "-out", "broker.csr", "-subj", "/CN=localhost"]);
  writeFileSync(
    join(dir, "broker.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  run(dir, [
    ...["x509", "-req", "-in", "broker.csr", "-CA", "ca.crt", "-CAkey", "ca.key"],
    ...["-CAcreateserial", "-out", "broker.crt", "-days", "1", "-extfile", "broker.ext"],
  ]);
  return {
    caCert: join(dir, "ca.crt"),
    serverCert: join(dir, "broker.crt"),
    serverKey: join(dir, "broker.key"),
    strangerCaCert: join(dir, "stranger-ca.crt"),
  };
}
