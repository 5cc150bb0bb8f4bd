import net from "node:net";

/** A TCP proxy in front of an admin that can play dead the way a frozen or unplugged host does. */
export interface FreezableProxy {
  readonly url: string;
  /**
   * From now on the proxy forwards nothing in either direction and never closes what is open (a half-open
   * connection, like a host that vanished without a FIN); new connections are refused.
   */
  freeze(): void;
  close(): Promise<void>;
}

export async function startFreezableProxy(targetPort: number): Promise<FreezableProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => socket.destroy());
      socket.on("close", () => sockets.delete(socket));
    }
    const forward = (from: net.Socket, to: net.Socket): void => {
      from.on("data", (chunk: Buffer) => {
        if (!frozen) to.write(chunk);
      });
      from.on("end", () => {
        if (!frozen) to.end();
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    freeze: () => {
      frozen = true;
      server.close();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
