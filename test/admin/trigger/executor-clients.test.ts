import { once } from "node:events";
import { createServer, connect, type AddressInfo, type Socket } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutorClients } from "../../../src/admin/trigger/executor-clients.js";
import { ACCESS_TOKEN, APP_NAME } from "../../executor/harness.js";
import { startExecutorFixture, type ExecutorFixture } from "../../executor/test-handlers.js";

function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // A synchronous stretch, as a long SQLite transaction or a garbage collection makes one.
  }
}

describe("ExecutorClients.call", () => {
  const clients = new ExecutorClients();
  let fx: ExecutorFixture;
  beforeAll(async () => {
    fx = await startExecutorFixture();
  });
  afterAll(async () => {
    clients.closeAll();
    await fx?.close();
  });

  it("calls the executor with the group's credentials, and a wrong token is the executor's UNAUTHENTICATED", async () => {
    const reply = await clients.call(fx.executor.address, { appName: APP_NAME, accessToken: ACCESS_TOKEN }, 3_000, (client, options) => client.idleBeat({ jobId: 1n }, options));
    expect(reply.idle).toBe(true);
    const refused = await clients
      .call(fx.executor.address, { appName: APP_NAME, accessToken: "wrong-token" }, 3_000, (client, options) => client.beat({}, options))
      .then(() => undefined, (error: unknown) => ConnectError.from(error));
    expect(refused?.code).toBe(Code.Unauthenticated);
  });

  it("ends a call that gets no answer with DEADLINE_EXCEEDED and aborts it", async () => {
    let signal: AbortSignal | undefined;
    const error = await clients
      .call(fx.executor.address, { appName: APP_NAME, accessToken: ACCESS_TOKEN }, 30, (_client, options) => {
        signal = options.signal;
        return new Promise<never>((_resolve, reject) => options.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }));
      })
      .then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(error?.code).toBe(Code.DeadlineExceeded);
    expect(signal?.aborted).toBe(true);
  });

  it("takes an answer that arrived while the event loop was blocked past the deadline (probes and kills too, not only Run)", async () => {
    let serverSide: Socket | undefined;
    const server = createServer((socket) => {
      serverSide = socket;
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
    await once(socket, "connect");
    while (serverSide === undefined) await new Promise((resolve) => setImmediate(resolve));
    const answering = serverSide;
    try {
      const answer = await clients.call(fx.executor.address, { appName: APP_NAME, accessToken: ACCESS_TOKEN }, 20, (_client, options) => {
        const read = new Promise<string>((resolve, reject) => {
          socket.once("data", (data) => (options.signal.aborted ? reject(new Error("read after the deadline fired")) : resolve(data.toString())));
          options.signal.addEventListener("abort", () => reject(new Error("deadline fired first")), { once: true });
        });
        // The answer reaches the kernel's buffer, then the loop is blocked well past the deadline before reading it.
        answering.write("alive");
        blockFor(100);
        return read;
      });
      expect(answer).toBe("alive");
    } finally {
      socket.destroy();
      serverSide.destroy();
      server.close();
    }
  });
});
