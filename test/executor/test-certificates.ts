import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** PEM texts of a throw-away CA and two certificates it signed, valid for 127.0.0.1 and localhost. */
export interface TestCertificates {
  readonly ca: string;
  readonly executor: { readonly cert: string; readonly key: string };
  readonly admin: { readonly cert: string; readonly key: string };
  /** A second CA that signed nothing of the above. */
  readonly strangerCa: string;
}

/** True when the `openssl` command exists; the TLS tests need it to make their certificates. */
export function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes fresh certificates with the openssl command (EC P-256, so it takes milliseconds), instead of committing
 * private keys to the repository. Both leaf certificates allow server and client use, as mutual TLS needs.
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(path.join(tmpdir(), "jobwire-tls-"));
  const openssl = (...args: string[]): void => void execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  try {
    const newCa = (name: string): void => {
      openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", `/CN=${name}`, "-days", "2");
    };
    newCa("ca");
    newCa("stranger");
    await writeFile(path.join(dir, "leaf.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
    for (const name of ["executor", "admin"]) {
      openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
      openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", "leaf.ext");
    }
    const read = (file: string): Promise<string> => readFile(path.join(dir, file), "utf8");
    return {
      ca: await read("ca.crt"),
      executor: { cert: await read("executor.crt"), key: await read("executor.key") },
      admin: { cert: await read("admin.crt"), key: await read("admin.key") },
      strangerCa: await read("stranger.crt"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
