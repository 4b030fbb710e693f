import net from "node:net";

/**
 * Keeps `botyard demo` off the network: every TCP connection the process opens (Slack's and
 * GitHub's clients, `fetch`, a Redis store, a plugin's own HTTP calls) must go to this machine,
 * where the emulators listen; any other is refused at once and reported, rather than reaching a
 * real service with the emulator's tokens or retrying silently. Returns the function that lifts it.
 */
export function guardOutbound(onRefused: (host: string, port: string) => void): () => void {
  const original = net.Socket.prototype.connect;
  // The one place every connection passes through: net.connect, tls.connect, http agents and
  // undici (fetch) all end in Socket#connect, with the host still a name (looked up later).
  const guarded = function (this: net.Socket, ...args: unknown[]): net.Socket {
    const options = connectOptions(args);
    if (options && (options.path === undefined || options.path === null) && !isLoopback(options.host)) {
      const host = String(options.host);
      const port = String(options.port ?? "");
      onRefused(host, port);
      const error = Object.assign(new Error(`botyard demo: refused a connection to ${host}:${port}; the demo talks only to its emulators on this machine`), { code: "ECONNREFUSED" });
      process.nextTick(() => this.destroy(error));
      return this;
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  net.Socket.prototype.connect = guarded as typeof original;
  return () => {
    if (net.Socket.prototype.connect === (guarded as typeof original)) net.Socket.prototype.connect = original;
  };
}

function connectOptions(args: unknown[]): { host?: unknown; port?: unknown; path?: unknown } | undefined {
  // net.connect passes its arguments already normalised, as an array whose first item is the options.
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first && typeof first === "object") return first as { host?: unknown; port?: unknown; path?: unknown };
  if (typeof first === "string" && !/^\d+$/.test(first)) return { path: first };
  if (first !== undefined) return { port: first, host: typeof args[1] === "string" ? args[1] : undefined };
  return undefined;
}

export function isLoopback(host: unknown): boolean {
  if (host === undefined || host === null || host === "") return true; // Node's default: localhost
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}
