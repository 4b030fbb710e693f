import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "../cli/run-cli.js";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";

// A bot whose durable webhook always fails on its first and only attempt: each delivery becomes a dead letter.
const DOOMED = `import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "doomed",
  core: "^1.0.0",
  config: Type.Object({}),
  setup(bot) {
    bot.webhook("/doomed", { durable: { maxAttempts: 1 } }, async () => { throw new Error("the ledger API said no"); });
  },
});`;

const TOKEN = "admin-token-0123456789abcdef-xyz";

let h: InProcessHost | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(admin = `admin: { token: "\${BOTYARD_ADMIN_TOKEN}", port: 0 }\n`): Promise<InProcessHost> {
  return startInProcessHost(`${admin}bots:\n  - id: ledger\n    use: botyard-plugin-doomed\n`, {
    env: { BOTYARD_ADMIN_TOKEN: TOKEN },
    setup: (p) => p.plugin("botyard-plugin-doomed", DOOMED),
  });
}

function admin(host: InProcessHost, path: string, init: RequestInit = {}, token: string | null = TOKEN): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  return fetch(`http://127.0.0.1:${host.host.adminEndpointPort}${path}`, { ...init, headers });
}

async function deliver(host: InProcessHost, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${host.url}/hooks/ledger/doomed?token=query-secret-123456`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sender-secret-abcdef123456" },
      body: JSON.stringify({ invoice: i }),
    });
    expect(res.status).toBe(202);
  }
}

async function letters(host: InProcessHost): Promise<Array<Record<string, unknown>>> {
  return ((await (await admin(host, "/admin/deadletters")).json()) as { letters: Array<Record<string, unknown>> }).letters;
}

/** Runs the botyard CLI in this process; resolves with its exit code and output. */
async function cli(args: string[], env: NodeJS.ProcessEnv = { BOTYARD_ADMIN_TOKEN: TOKEN }): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const sink = (append: (s: string) => void) => new Writable({ write: (c, _e, done) => (append(String(c)), done()) });
  const code = await run(args, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env });
  return { code, out, err };
}

describe("admin endpoint", () => {
  it("is off without admin.token", async () => {
    h = await start("");
    expect(h.host.adminEndpointPort).toBeUndefined();
    expect(h.raw.some((l) => l.includes("admin endpoint off"))).toBe(true);
  });

  it("refuses a missing or wrong token with 401 and a web page's request with 403, and never echoes the token", async () => {
    h = await start();
    for (const token of [null, "wrong-token-0123456789abcdef-xyz", `${TOKEN}x`]) {
      const res = await admin(h, "/admin/deadletters", {}, token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="botyard-admin"');
      expect(await res.json()).toMatchObject({ ok: false, code: "BOTYARD_ERR_ADMIN_UNAUTHORIZED" });
    }
    const fromPage = await admin(h, "/admin/reload", { method: "POST", headers: { origin: "http://evil.example" } });
    expect(fromPage.status).toBe(403);
    expect(await fromPage.json()).toMatchObject({ code: "BOTYARD_ERR_ADMIN_FORBIDDEN" });
    expect((await admin(h, "/admin/deadletters")).status).toBe(200);
    expect(h.raw.join("\n")).not.toContain(TOKEN);
  });

  it("lists, shows, replays and drops dead letters, which hold no credential of the delivery, and counts them per bot in /metrics and /status", async () => {
    h = await start();
    await deliver(h, 3);
    await expect.poll(async () => (await letters(h!)).length, { timeout: 10_000 }).toBe(3);
    const listed = await letters(h);
    expect(listed[0]).toMatchObject({ bot: "ledger", trigger: "webhook:/doomed", attempts: 1, error: "Error: the ledger API said no", payloadBytes: expect.any(Number) });
    expect(listed[0]).not.toHaveProperty("payload");
    const id = String(listed[0]!.id);
    const shown = (await (await admin(h, `/admin/deadletters/${encodeURIComponent(id)}`)).json()) as { letter: Record<string, unknown> };
    expect(shown.letter).toMatchObject({ id, queue: "deliveries/ledger/webhook:/doomed", payload: { event: { rawBody: JSON.stringify({ invoice: 0 }), query: {} } } });
    expect(JSON.stringify(shown.letter)).not.toMatch(/sender-secret|query-secret/);
    expect(Number(shown.letter.failedAt)).toBeGreaterThanOrEqual(Number(shown.letter.enqueuedAt));

    const gauge = async () => {
      const text = await (await fetch(`${h!.url}/metrics`)).text();
      return Number(/^botyard_dead_letters\{bot="ledger"\} (\d+)$/m.exec(text)?.[1]);
    };
    await expect.poll(gauge, { timeout: 5_000 }).toBe(3);
    const status = (await (await fetch(`${h.url}/status`)).json()) as { bots: Array<{ id: string; deadLetters?: number }> };
    expect(status.bots.find((b) => b.id === "ledger")?.deadLetters).toBe(3);

    // Replayed: a new job with attempts from 1, which fails again (the bot still fails) and comes back as a new letter.
    const replay = await admin(h, `/admin/deadletters/${encodeURIComponent(id)}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    const { replayed } = (await replay.json()) as { replayed: Array<{ id: string; job: string; duplicate: boolean }> };
    expect(replayed).toEqual([{ id, job: expect.any(String), duplicate: false }]);
    await expect.poll(async () => (await letters(h!)).map((l) => l.id), { timeout: 10_000 }).toContain(`deliveries/ledger/webhook:/doomed/${replayed[0]!.job}`);
    expect((await letters(h)).map((l) => l.id)).not.toContain(id);
    expect((await admin(h, `/admin/deadletters/${encodeURIComponent(id)}/replay`, { method: "POST" })).status).toBe(404);

    const one = String((await letters(h))[0]!.id);
    expect((await admin(h, `/admin/deadletters/${encodeURIComponent(one)}`, { method: "DELETE" })).status).toBe(200);
    const notFound = await admin(h, `/admin/deadletters/${encodeURIComponent(one)}`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ code: "BOTYARD_ERR_DEAD_LETTER_NOT_FOUND" });
    const dropAll = await admin(h, "/admin/deadletters/drop", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ all: true }) });
    expect(((await dropAll.json()) as { dropped: string[] }).dropped).toHaveLength(2);
    expect(await letters(h)).toEqual([]);
    await expect.poll(gauge, { timeout: 5_000 }).toBe(0);
  });

  it("botyard deadletters list | show | replay --bot | drop --all talk to it, with the token from the environment", async () => {
    h = await start();
    await deliver(h, 2);
    await expect.poll(async () => (await letters(h!)).length, { timeout: 10_000 }).toBe(2);
    const url = `http://127.0.0.1:${h.host.adminEndpointPort}`;
    const config = join(h.project.dir, "bots.yaml");

    const list = await cli(["deadletters", "list", "--config", config, "--url", url]);
    expect(list).toMatchObject({ code: 0, err: "" });
    expect(list.out).toContain("bot ledger  trigger webhook:/doomed  1 attempts");
    expect(list.out).toContain("error: Error: the ledger API said no");
    expect(list.out).toContain("2 dead letters.");
    const id = (await letters(h))[0]!.id as string;
    const show = await cli(["deadletters", "show", id, "--config", config, "--url", url]);
    expect(JSON.parse(show.out)).toMatchObject({ id, bot: "ledger" });

    const missing = await cli(["deadletters", "show", "deliveries/nope/1", "--config", config, "--url", url]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("BOTYARD_ERR_DEAD_LETTER_NOT_FOUND");
    const wrong = await cli(["deadletters", "list", "--url", url, "--config", "/nonexistent.yaml"], { BOTYARD_ADMIN_TOKEN: "not-the-token-0123456789abcdef" });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain("BOTYARD_ERR_ADMIN_UNAUTHORIZED");
    const none = await cli(["deadletters", "list", "--url", url, "--config", "/nonexistent.yaml"], {});
    expect(none.err).toContain("BOTYARD_ERR_ADMIN_UNAVAILABLE");
    expect((await cli(["deadletters", "replay", "--config", config, "--url", url])).code).toBe(2);

    const replay = await cli(["deadletters", "replay", "--bot", "ledger", "--config", config, "--url", url]);
    expect(replay.code).toBe(0);
    expect(replay.out).toContain("replayed 2 dead letters as new jobs");
    await expect.poll(async () => (await letters(h!)).length, { timeout: 10_000 }).toBe(2);
    const drop = await cli(["deadletters", "drop", "--all", "--config", config, "--url", url]);
    expect(drop.out).toContain("dropped 2 dead letters");
    expect((await cli(["deadletters", "list", "--config", config, "--url", url])).out).toContain("no dead letters");
  });
});
