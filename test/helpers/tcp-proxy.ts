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
  /**
   * As deafen(), but each connection goes deaf only once it has sent `text` (say "COMMIT"): a
   * transaction's earlier statements are answered, and its commit is done but never answered.
   */
  deafenAfter(text: string): void;
  /**
   * Cuts every connection and, until accept(), closes each new one as soon as it is made: the
   * server looks gone (the client hears "connection terminated") while the port stays ours.
   */
  refuse(): void;
  /**
   * Each new connection is ended by the server as its session begins: the server's first
   * ReadyForQuery arrives in one packet with a FATAL 57P01 ("terminating connection due to
   * administrator command"), as from a backend terminated at that moment, and the connection
   * then closes. Until accept().
   */
  terminateOnReady(): void;
  /** Forwards both ways again, for connections made from now on (after refuse, freeze, deafen or terminateOnReady). */
  accept(): void;
}

/** A PostgreSQL ErrorResponse message: FATAL 57P01, as pg_terminate_backend makes a backend send. */
function terminatedMessage(): Buffer {
  const fields = Buffer.from("SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0");
  const header = Buffer.alloc(5);
  header.write("E", 0);
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}

/** Forwards `upstream`'s messages to `client` up to its first ReadyForQuery, sends that with `terminatedMessage()`, and closes both. */
function endAtFirstReady(upstream: Socket, client: Socket): void {
  let pending = Buffer.alloc(0);
  upstream.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    let at = 0;
    while (pending.length - at >= 5) {
      const end = at + 1 + pending.readInt32BE(at + 1);
      if (end > pending.length) break;
      if (pending[at] === "Z".charCodeAt(0)) {
        client.end(Buffer.concat([pending.subarray(0, end), terminatedMessage()]));
        upstream.destroy();
        return;
      }
      at = end;
    }
  });
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
  let refusing = false;
  let deafAfter: string | null = null;
  let terminating = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    if (!frozen) client.pipe(upstream);
    if (terminating) endAtFirstReady(upstream, client);
    else if (!frozen && !deaf) upstream.pipe(client);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    // Unpiped in the tick the text is read, so no reply to it can have come back yet.
    client.on("data", (chunk: Buffer) => {
      if (deafAfter !== null && chunk.includes(deafAfter)) upstream.unpipe(client);
    });
    client.on("close", () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP port");
  return {
    port: address.port,
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
    deafenAfter: (text) => {
      deafAfter = text;
    },
    refuse: () => {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    terminateOnReady: () => {
      terminating = true;
    },
    accept: () => {
      terminating = false;
      refusing = false;
      frozen = false;
      deaf = false;
      deafAfter = null;
    },
  };
}
