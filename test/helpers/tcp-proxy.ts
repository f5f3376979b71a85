import { connect, createServer, type Socket } from "node:net";

export interface TcpProxy {
  /** The loopback port that leads to the target. */
  port: number;
  /** Stops listening and cuts every connection through it: from now on connecting is refused (ECONNREFUSED). */
  shut(): Promise<void>;
  /** Stops forwarding without closing anything: connections stay open and silent, as to a hung server. */
  freeze(): void;
  /**
   * Stops forwarding the server's replies only: what a client sends still reaches the server
   * and is done there, but the client never hears back (a reply lost in the network).
   */
  deafen(): void;
  /** After shut(): listens on the same port again, forwarding both ways. */
  reopen(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 to `target`, for a real server that becomes unreachable to one
 * client only: the shared PostgreSQL stays up for every other test.
 */
export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let frozen = false;
  let deaf = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    if (!frozen) client.pipe(upstream);
    if (!frozen && !deaf) upstream.pipe(client);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on("close", () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP port");
  const port = address.port;
  return {
    port,
    shut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    freeze: () => {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
      }
    },
    deafen: () => {
      deaf = true;
      for (const [client, upstream] of pairs) upstream.unpipe(client);
    },
    reopen: async () => {
      frozen = false;
      deaf = false;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
          server.off("error", reject);
          resolve();
        });
      });
    },
  };
}
