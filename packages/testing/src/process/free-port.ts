import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: for a process that must keep one address
 * across restarts (senders retrying against a host that is killed and started again), where port 0
 * would give each start a new one.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
