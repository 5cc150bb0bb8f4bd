import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveExecutorOptions, type ExecutorOptions } from "../../src/executor/index.js";
import { silentLogger, type Logger } from "../../src/shared/logger.js";

const valid: ExecutorOptions = { adminAddresses: ["http://127.0.0.1:8080"], appName: "demo-app", accessToken: "token", logger: silentLogger };

describe("executor options", () => {
  describe("resolveExecutorOptions()", () => {
    it("applies the documented defaults", () => {
      const resolved = resolveExecutorOptions(valid);
      expect(resolved).toMatchObject({
        adminAddresses: ["http://127.0.0.1:8080"],
        host: "0.0.0.0",
        port: 9999,
        address: undefined,
        logDir: path.resolve("./data/executor-logs"),
        logRetentionDays: 30,
        glueEnabled: false,
        registryIntervalMs: 30_000,
        shutdownGraceMs: 5_000,
        tls: undefined,
      });
    });

    it("strips trailing slashes from URLs so they compare equal to what the admin stores", () => {
      const resolved = resolveExecutorOptions({ ...valid, adminAddresses: ["http://a:8080/", "https://b/"], address: "http://10.0.0.5:9999/" });
      expect(resolved.adminAddresses).toEqual(["http://a:8080", "https://b"]);
      expect(resolved.address).toBe("http://10.0.0.5:9999");
    });

    it.each<[string, Partial<ExecutorOptions>, RegExp]>([
      ["an empty admin list", { adminAddresses: [] }, /adminAddresses: must list at least one admin base URL/],
      ["an admin address that is not http(s)", { adminAddresses: ["http://ok:8080", "ftp://x"] }, /adminAddresses\[1\]: "ftp:\/\/x" is not an http\(s\) URL/],
      ["an app name with capitals", { appName: "Demo-App" }, /appName: "Demo-App" must be 4–64 characters of lowercase letters/],
      ["a too short app name", { appName: "abc" }, /appName: "abc"/],
      ["an empty access token", { accessToken: "" }, /accessToken: .*empty token is refused, never treated as open/],
      ["a blank access token", { accessToken: "   " }, /accessToken:/],
      ["a port out of range", { port: 70_000 }, /port: 70000 must be an integer from 0 to 65535 \(0 picks a free port\)/],
      ["a negative port", { port: -1 }, /port: -1/],
      ["a retention below 3 days", { logRetentionDays: 2 }, /logRetentionDays: 2 must be a whole number of days ≥ 3, or 0 to keep run logs forever/],
      ["a registry interval that is too short", { registryIntervalMs: 10 }, /registryIntervalMs: 10 must be milliseconds/],
      ["a public address that is not a URL", { address: "10.0.0.5:9999" }, /address: "10.0.0.5:9999" is not an http\(s\) URL/],
      ["a misspelt option", { adminAddress: "http://x" } as Partial<ExecutorOptions>, /Invalid executor option adminAddress: is not an executor option; the options are adminAddresses, appName, /],
      ["glueEnabled as a string", { glueEnabled: "yes" as unknown as boolean }, /glueEnabled: "yes" must be true or false/],
      ["a logger without methods", { logger: {} as unknown as Logger }, /logger: must have debug, info, warn and error methods/],
    ])("refuses %s with a message naming the option", (_what, override, message) => {
      expect(() => resolveExecutorOptions({ ...valid, ...override })).toThrow(message);
    });

    it("accepts port 0 and a disabled retention", () => {
      expect(resolveExecutorOptions({ ...valid, port: 0, logRetentionDays: 0 })).toMatchObject({ port: 0, logRetentionDays: 0 });
    });
  });
});
