import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Executor } from "../../src/executor/index.js";
import { resolveExecutorOptions } from "../../src/executor/index.js";
import { RunState } from "../../src/gen/jobwire/v1/run_pb.js";
import { silentLogger } from "../../src/shared/logger.js";
import { startFakeAdmin, type FakeAdmin } from "./fake-admin.js";
import { ACCESS_TOKEN, APP_NAME, callExecutor, makeLogDir, runRequest, testExecutor } from "./harness.js";
import { makeTestCertificates, opensslAvailable, type TestCertificates } from "./test-certificates.js";
import { waitFor } from "./wait-for.js";

describe.skipIf(!opensslAvailable())("executor over mutual TLS", () => {
  let certs: TestCertificates;
  let admin: FakeAdmin;
  let executor: Executor;
  let logDir: string;

  beforeAll(async () => {
    certs = await makeTestCertificates();
    // The admin serves TLS and requires a client certificate: the executor must present its own.
    admin = await startFakeAdmin({ appName: APP_NAME, accessToken: ACCESS_TOKEN, tls: { ...certs.admin, ca: certs.ca, requireClientCert: true } });
    logDir = await makeLogDir();
    executor = testExecutor([admin.url], logDir, { tls: { ...certs.executor, ca: certs.ca } });
    executor.register("echo", (ctx) => `echo ${ctx.param}`);
    await executor.start();
  });

  afterAll(async () => {
    await executor?.stop();
    await admin?.close();
    await rm(logDir, { recursive: true, force: true });
  });

  it("registers an https:// address with an https:// admin, presenting its certificate", async () => {
    expect(admin.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(executor.address).toBe(`https://127.0.0.1:${executor.port}`);
    await waitFor("a registration over TLS", () => admin.registrations.find((r) => r.address === executor.address));
  });

  it("serves an admin that presents a certificate signed by the CA, and reports the result over TLS", async () => {
    const caller = callExecutor(executor.address, undefined, { ca: certs.ca, cert: certs.admin.cert, key: certs.admin.key });
    try {
      const req = runRequest({ jobId: 400n, handler: "echo", param: "secure" });
      await caller.client.run(req);
      const result = await waitFor("the result over TLS", () => admin.stored.get(Number(req.runId)));
      expect(result).toMatchObject({ state: RunState.SUCCEEDED, message: "echo secure" });
    } finally {
      caller.close();
    }
  });

  it.each([
    ["without a client certificate", (c: TestCertificates) => ({ ca: c.ca })],
    ["that does not trust the executor's CA", (c: TestCertificates) => ({ ca: c.strangerCa, cert: c.admin.cert, key: c.admin.key })],
  ])("refuses a caller %s", async (_what, tls) => {
    const caller = callExecutor(executor.address, undefined, tls(certs));
    try {
      await expect(caller.client.beat({}, { timeoutMs: 5_000 })).rejects.toThrow();
    } finally {
      caller.close();
    }
  });

  describe("option validation", () => {
    const base = { adminAddresses: ["https://127.0.0.1:8443"], appName: APP_NAME, accessToken: ACCESS_TOKEN, logger: silentLogger };

    it("refuses a file path where PEM text belongs, saying to read the file", () => {
      expect(() => resolveExecutorOptions({ ...base, tls: { cert: "/etc/jobwire/executor.crt", key: certs.executor.key } })).toThrow(
        'Invalid executor option tls.cert: is not PEM text (it looks like a file path; pass readFileSync("/etc/jobwire/executor.crt") instead).',
      );
    });

    it("refuses a key that does not belong to the certificate", () => {
      expect(() => resolveExecutorOptions({ ...base, tls: { cert: certs.executor.cert, key: certs.admin.key } })).toThrow(/^Invalid executor option tls: cert, key and ca do not form a usable TLS configuration: /);
    });

    it("refuses a cleartext public address when the executor serves TLS only", () => {
      expect(() => resolveExecutorOptions({ ...base, address: "http://10.0.0.5:9999", tls: certs.executor })).toThrow(/address: "http:\/\/10\.0\.0\.5:9999" must be an https:\/\/ URL when tls is set/);
    });

    it("refuses requireClientCert without a CA to check client certificates against", () => {
      expect(() => resolveExecutorOptions({ ...base, tls: { ...certs.executor, requireClientCert: true } })).toThrow(/tls\.requireClientCert: needs tls\.ca/);
    });
  });
});
