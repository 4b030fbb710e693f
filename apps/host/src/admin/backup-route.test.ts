import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import Database from "better-sqlite3";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { run } from "../cli/run-cli.js";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";
import { deleteRedisPrefix, requireRedis } from "../test-support/redis.js";

// A bot that keeps what each delivery brings, so that a backup has something to hold.
const KEEPER = `import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "keeper", core: "^1.0.0", config: Type.Object({}),
  setup(bot) {
    bot.webhook("/keep", async (ctx) => { const n = ctx.event.body.n; await ctx.store.set("n:" + n, n); return { status: 200, body: { n } }; });
  },
});`;

const TOKEN = "admin-token-backup-0123456789abcdef";
const ADMIN = `admin: { token: "\${BOTYARD_ADMIN_TOKEN}", port: 0 }\n`;

let h: InProcessHost | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function outDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "botyard-backup-out-"));
  dirs.push(dir);
  return dir;
}

async function start(store: string): Promise<InProcessHost> {
  return startInProcessHost(`${ADMIN}bots:\n  - id: keeper\n    use: botyard-plugin-keeper\n`, {
    env: { BOTYARD_ADMIN_TOKEN: TOKEN },
    store,
    setup: (p) => p.plugin("botyard-plugin-keeper", KEEPER),
  });
}

function backup(host: InProcessHost, body: unknown, token: string | null = TOKEN): Promise<Response> {
  return fetch(`http://127.0.0.1:${host.host.adminEndpointPort}/admin/backup`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const sink = (append: (s: string) => void) => new Writable({ write: (c, _e, done) => (append(String(c)), done()) });
  const code = await run(args, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), env: { BOTYARD_ADMIN_TOKEN: TOKEN } });
  return { code, out, err };
}

describe("POST /admin/backup and botyard backup", () => {
  it("backs up a SQLite host's store while it serves; refuses no token, relative paths, existing files (unless overwrite) and directories", async () => {
    h = await start("{ type: sqlite, path: .botyard/state.db }");
    for (let n = 0; n < 20; n++) expect((await fetch(`${h.url}/hooks/keeper/keep`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ n }) })).status).toBe(200);
    const dir = outDir();
    const to = join(dir, "copy.db");

    const unauthorized = await backup(h, { to }, null);
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ code: "BOTYARD_ERR_ADMIN_UNAUTHORIZED" });
    expect((await backup(h, { to }, "wrong-token-0123456789abcdef")).status).toBe(401);
    expect(existsSync(to)).toBe(false);

    const relative = await backup(h, { to: "copy.db" });
    expect(relative.status).toBe(400);
    expect(await relative.json()).toMatchObject({ code: "BOTYARD_ERR_BACKUP_PATH", message: expect.stringContaining("not an absolute path") });
    expect((await backup(h, {})).status).toBe(400);
    expect(await (await backup(h, { to: dir })).json()).toMatchObject({ code: "BOTYARD_ERR_BACKUP_PATH", message: expect.stringContaining("is a directory") });
    expect(await (await backup(h, { to: join(dir, "nope", "copy.db") })).json()).toMatchObject({ code: "BOTYARD_ERR_BACKUP_PATH", message: expect.stringContaining("does not exist") });
    const own = await backup(h, { to: join(h.project.dir, ".botyard/state.db"), overwrite: true });
    expect(own.status).toBe(400);
    expect(await own.json()).toMatchObject({ code: "BOTYARD_ERR_BACKUP_PATH", message: expect.stringContaining("the store's own file") });
    expect((await fetch(`${h.url}/hooks/keeper/keep`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"n":20}' })).status).toBe(200);

    const done = await backup(h, { to });
    expect(done.status).toBe(200);
    const answer = (await done.json()) as { ok: boolean; to: string; bytes: number; pages: number; durationMs: number };
    expect(answer).toMatchObject({ ok: true, to });
    expect(answer.bytes).toBeGreaterThan(0);
    expect(answer.durationMs).toBeGreaterThanOrEqual(0);
    const copy = new Database(to, { readonly: true });
    expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
    expect((copy.prepare("SELECT COUNT(*) AS n FROM kv WHERE key LIKE '%n:%'").get() as { n: number }).n).toBe(21);
    copy.close();

    const exists = await backup(h, { to });
    expect(exists.status).toBe(409);
    expect(await exists.json()).toMatchObject({ code: "BOTYARD_ERR_BACKUP_PATH", message: expect.stringContaining("exists already") });

    // The CLI: --out through the admin endpoint named in bots.yaml's admin section (port 0 here, so --url).
    const url = `http://127.0.0.1:${h.host.adminEndpointPort}`;
    const config = join(h.project.dir, "bots.yaml");
    const refused = await cli(["backup", "--config", config, "--url", url, "--out", to]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("BOTYARD_ERR_BACKUP_PATH");
    const replaced = await cli(["backup", "--config", config, "--url", url, "--out", to, "--overwrite"]);
    expect(replaced.err).toBe("");
    expect(replaced.code).toBe(0);
    expect(replaced.out).toMatch(new RegExp(`^backed up the store to ${to.replace(/[.]/g, "\\.")}: [\\d.]+ KiB \\(\\d+ pages\\) in \\d+ ms\\n$`));
    // No partial copy left beside it (the -wal/-shm are this test's, from opening the copy above).
    expect(readdirSync(dir).filter((f) => !/^copy\.db(-wal|-shm)?$/.test(f))).toEqual([]);
    const missing = await cli(["backup", "--config", config, "--url", url]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--out <file>");
  }, 30_000);

  describe("on Redis", () => {
    const prefix = `botyard-backup-test-${process.pid}:`;
    beforeAll(() => requireRedis());
    afterEach(() => deleteRedisPrefix(prefix));

    it("refuses with BOTYARD_ERR_STORE_BACKUP_UNSUPPORTED (501), saying to use Redis's own persistence, and writes nothing", async () => {
      h = await start(`{ type: redis, url: "redis://127.0.0.1:6379", prefix: "${prefix}" }`);
      const dir = outDir();
      const res = await backup(h, { to: join(dir, "copy.db") });
      expect(res.status).toBe(501);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe("BOTYARD_ERR_STORE_BACKUP_UNSUPPORTED");
      expect(body.message).toContain("redis-cli --rdb");
      const viaCli = await cli(["backup", "--config", join(h.project.dir, "bots.yaml"), "--url", `http://127.0.0.1:${h.host.adminEndpointPort}`, "--out", join(dir, "copy.db")]);
      expect(viaCli.code).toBe(1);
      expect(viaCli.err).toContain("BOTYARD_ERR_STORE_BACKUP_UNSUPPORTED");
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});
