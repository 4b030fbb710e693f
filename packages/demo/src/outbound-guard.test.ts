import { createServer } from "node:http";
import https from "node:https";
import { afterEach, describe, expect, it } from "vitest";
import { guardOutbound, isLoopback } from "./outbound-guard.js";

let lift = () => {};
afterEach(() => lift());

describe("the demo's outbound guard", () => {
  it("refuses fetch and https to another machine at once, with no DNS lookup or packet, and says so", async () => {
    const refused: string[] = [];
    lift = guardOutbound((host, port) => refused.push(`${host}:${port}`));
    const error = await fetch("https://api.github.com/user").then(
      () => undefined,
      (e: Error & { cause?: Error }) => e.cause ?? e,
    );
    expect(error?.message).toMatch(/refused a connection to api\.github\.com:443; the demo talks only to its emulators/);
    const viaHttps = await new Promise<Error>((resolve) => https.get("https://slack.com/api/auth.test", () => resolve(new Error("answered"))).on("error", resolve));
    expect(viaHttps.message).toMatch(/refused a connection to slack\.com:443/);
    expect(refused).toEqual(["api.github.com:443", "slack.com:443"]);
  });

  it("lets connections to this machine through (the emulators), and stops guarding once lifted", async () => {
    const server = createServer((_q, s) => s.end("emulator"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    lift = guardOutbound(() => {});
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("emulator");
    expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe("emulator");
    lift();
    const refused: string[] = [];
    guardOutbound((host) => refused.push(host))();
    // Lifted at once: nothing more is refused.
    expect(refused).toEqual([]);
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("counts only loopback names and addresses as this machine", () => {
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1", undefined]) expect(isLoopback(host), String(host)).toBe(true);
    for (const host of ["slack.com", "10.0.0.1", "0.0.0.0.example", "localhost.example.com"]) expect(isLoopback(host), host).toBe(false);
  });
});
