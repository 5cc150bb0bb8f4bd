import { once } from "node:events";
import type { AddressInfo } from "node:net";
// The namespace import, as connect-node's session manager reads `connect` from it.
import * as http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { guardHttp2ClientSessions } from "../../../src/shared/net/index.js";

describe("guardHttp2ClientSessions", () => {
  it("keeps an error emitted on a client session after its owner stopped listening from crashing the process", async () => {
    guardHttp2ClientSessions();
    guardHttp2ClientSessions(); // idempotent
    const server = http2.createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      await once(session, "connect");
      // What connect-node#1768 does: the deferred GOAWAY error arrives when no listener of the manager is left.
      // Without the guard, emitting an unlistened "error" throws (and would be an uncaught exception).
      expect(session.listenerCount("error")).toBe(1);
      expect(() => session.emit("error", new Error("received GOAWAY without any open streams"))).not.toThrow();
    } finally {
      session.destroy();
      server.close();
    }
  });
});
