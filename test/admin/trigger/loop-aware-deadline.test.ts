import { once } from "node:events";
import { createServer, connect, type AddressInfo, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { LoopAwareDeadline } from "../../../src/admin/trigger/loop-aware-deadline.js";

function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // A synchronous stretch, as a long SQLite transaction makes one.
  }
}

describe("LoopAwareDeadline", () => {
  it("lets an answer that arrived while the event loop was blocked past the deadline be read before it expires", async () => {
    let serverSide: Socket | undefined;
    const server = createServer((socket) => {
      serverSide = socket;
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
    await once(client, "connect");
    while (serverSide === undefined) await new Promise((resolve) => setImmediate(resolve));
    try {
      const deadline = new LoopAwareDeadline(20);
      let blocked = false;
      let answer: { afterBlock: boolean; expired: boolean } | undefined;
      client.once("data", () => {
        answer = { afterBlock: blocked, expired: deadline.expired };
      });
      // The answer goes to the kernel's buffer (a small TCP write is written at once), then the loop is blocked
      // well past the deadline before it can read it.
      serverSide.write("answer");
      blockFor(100);
      blocked = true;
      await once(deadline.signal, "abort");
      expect(answer).toEqual({ afterBlock: true, expired: false });
      expect(deadline.expired).toBe(true);
    } finally {
      client.destroy();
      serverSide?.destroy();
      server.close();
    }
  });

  it("expires (and aborts its signal) when no answer comes, and never after clear()", async () => {
    const deadline = new LoopAwareDeadline(10);
    await once(deadline.signal, "abort");
    expect(deadline.expired).toBe(true);

    const cleared = new LoopAwareDeadline(10);
    cleared.clear();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(cleared.expired).toBe(false);
    expect(cleared.signal.aborted).toBe(false);
  });
});
