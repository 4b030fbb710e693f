import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/**
 * A TCP proxy to a real service (Redis, PostgreSQL...) that a test can take down and bring back
 * on the same port, or hold (nothing reaches the service, nothing is answered): how a test makes
 * a dependency fail without mocking its client.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Each client connection and its connection upstream. */
  private readonly pairs = new Map<Socket, Socket>();
  private held = false;
  port = 0;

  constructor(
    private readonly upstream: { host: string; port: number },
    port = 0,
  ) {
    this.port = port;
  }

  /** Listens (again, on the same port after a `stop`). */
  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.upstream);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
        socket.on("error", () => socket.destroy());
      }
      this.pairs.set(client, upstream);
      client.on("close", () => this.pairs.delete(client));
      if (!this.held) client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** The service "goes away": the port refuses connections and every open connection drops. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** While held, nothing sent reaches the service (and so nothing is answered); on release it all goes through. */
  hold(held: boolean): void {
    this.held = held;
    // Unpiped, a socket keeps what arrives in its buffer until it is piped again.
    for (const [client, upstream] of this.pairs) {
      if (held) client.unpipe(upstream);
      else client.pipe(upstream);
    }
  }
}
