import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTestPki } from "../src/index";

const dir = mkdtempSync(join(tmpdir(), "coreflux-pki-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `openssl verify`'s verdict on `cert` against `ca`. */
function verifies(ca: string, cert: string, purpose: string): boolean {
  try {
    execFileSync("openssl", ["verify", "-purpose", purpose, "-CAfile", ca, cert], {
      stdio: "pipe",
    });
    return true;
  } catch {
    return false;
  }
}

describe("writeTestPki", () => {
  const pki = writeTestPki(dir);

  it("signs a server and a client certificate with the CA, and neither with the stranger CA", () => {
    expect(verifies(pki.caCert, pki.serverCert, "sslserver")).toBe(true);
    expect(verifies(pki.caCert, pki.clientCert, "sslclient")).toBe(true);
    expect(verifies(pki.strangerCaCert, pki.serverCert, "sslserver")).toBe(false);
    expect(verifies(pki.strangerCaCert, pki.clientCert, "sslclient")).toBe(false);
  });

  it("names 127.0.0.1 and localhost in the server certificate", () => {
    const text = execFileSync("openssl", ["x509", "-in", pki.serverCert, "-noout", "-text"], {
      encoding: "utf8",
    });
    expect(text).toContain("IP Address:127.0.0.1");
    expect(text).toContain("DNS:localhost");
  });

  it("encrypts the client key with the passphrase it returns", () => {
    const open = (pass: string) =>
      execFileSync("openssl", ["pkey", "-in", pki.clientKeyEncrypted, "-passin", `pass:${pass}`], {
        stdio: "pipe",
      });
    expect(() => open(pki.passphrase)).not.toThrow();
    expect(() => open("wrong")).toThrow();
  });
});
