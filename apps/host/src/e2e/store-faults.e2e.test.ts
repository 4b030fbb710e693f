import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackEmulator, type HostProcess } from "@botyard/testing";
import { type TempProject } from "@botyard/test-support";
import { SqliteStore } from "@botyard/store-sqlite";
import { SmallDisk, fingerprints } from "@botyard/test-support";
import { botyard, userProject } from "../test-support/temp-project.js";

// The real `botyard start` on a SQLite store whose disk or file lets it down: refused at start
// with the file named and left as it was; a disk that fills while the host runs costs no
// acknowledged delivery and no crash. Disks are small tmpfs mounts (root needed).

// A durable webhook whose handler posts the delivery's id to Slack: each id must appear once.
const plugin = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "ledger", core: "^1.0.0", config: Type.Object({ channel: Type.String() }),
  setup(bot, config) {
    bot.webhook("/", { durable: true, dedupeKey: (req) => req.body.id }, async (ctx) => {
      await ctx.slack.chat.postMessage({ channel: config.channel, text: ctx.event.body.id });
    });
  },
});
`;

const CHANNEL = "C0LEDGER1";

describe("botyard start on a SQLite store whose disk or file fails", () => {
  let slack: SlackEmulator;
  let project: TempProject;
  let disk: SmallDisk | undefined;
  const hosts: HostProcess[] = [];

  beforeEach(async () => {
    slack = await SlackEmulator.start();
    slack.createChannel("ledger", { id: CHANNEL });
    project = userProject();
    project.plugin("botyard-plugin-ledger", plugin);
  });

  afterEach(async () => {
    for (const host of hosts.splice(0)) host.kill("SIGKILL");
    await Promise.all(hosts.map((h) => h.exited));
    await slack.close();
    disk?.unmount();
    disk = undefined;
    project.remove();
  });

  const start = (storePath: string) => {
    project.write(
      "bots.yaml",
      `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}", apiUrl: "${slack.apiUrl}" }
http: { port: 0 }
store: { type: sqlite, path: ${JSON.stringify(storePath)} }
queue: { leaseMs: 1000 }
bots:
  - id: ledger
    use: botyard-plugin-ledger
    config: { channel: ${CHANNEL} }
`,
    );
    const host = botyard({
      args: ["start", "--config", "bots.yaml"],
      env: { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" },
      cwd: project.dir,
    });
    hosts.push(host);
    return host;
  };

  /** A store as a host leaves it: a few hundred keys, then a host killed after one more write (its WAL stays). */
  const storeFile = async (file: string) => {
    const store = await SqliteStore.open(file);
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.set(`bot/ledger/k${i}`, "v".repeat(200))));
    await store.close();
  };

  it("refuses to start on a damaged file, a full disk or a read-only filesystem: exit 1, the coded error naming the file on stderr, the file untouched", async () => {
    disk = SmallDisk.mount(2 * 1024 * 1024);
    const cases: Array<{ name: string; prepare: (file: string) => void; says: RegExp; after?: () => void }> = [
      {
        name: "damaged",
        prepare: (file) => {
          const fd = openSync(file, "r+");
          writeSync(fd, randomBytes(4096), 0, 4096, 7 * 4096);
          closeSync(fd);
        },
        says: /is damaged: SQLite reports \*\*\* in database main \*\*\*.*Botyard has left the file as it found it\.\n {2}hint: Stop the host and keep the file for recovery/s,
      },
      {
        name: "full",
        prepare: () => void disk!.fill(),
        after: () => disk!.free(),
        says: /The disk holding the store database .* is full: SQLite could not write to it \(SQLITE_[A-Z_]+\)\.\n {2}hint: Free space on that disk/,
      },
      { name: "read-only", prepare: () => disk!.readOnly(), says: /cannot be written: .* is on a read-only filesystem \(SQLITE_[A-Z_]+\)\.\n {2}hint: Mount that filesystem read-write/ },
    ];
    for (const c of cases) {
      const dir = join(disk.dir, c.name);
      mkdirSync(dir);
      const file = join(dir, "state.db");
      await storeFile(file);
      c.prepare(file);
      const before = fingerprints(file, `${file}-wal`);

      const host = start(file);
      const exit = await host.exited;
      const stderr = host.stderr.join("");
      expect(exit, `${c.name}: ${host.output}`).toEqual({ code: 1, signal: null });
      expect(stderr, c.name).toMatch(c.says);
      expect(stderr, c.name).toContain(`botyard start: `);
      expect(stderr, c.name).toContain(file);
      expect(stderr, c.name).toMatch(/\(BOTYARD_ERR_STORE\)\n$/);
      expect(stderr, c.name).not.toMatch(/\n\s+at /); // no stack trace
      expect(host.lines.some((l) => l.msg === "botyard host ready"), c.name).toBe(false);
      expect(fingerprints(file, `${file}-wal`), c.name).toEqual(before);
      c.after?.();
    }
  });

  it("keeps running while its disk fills: nothing acknowledged is lost or run twice, deliveries are refused (503 once the host notices) rather than half-stored, and it resumes by itself once there is room", async () => {
    disk = SmallDisk.mount(2 * 1024 * 1024);
    const file = disk.path("state.db");
    const host = start(file);
    const url = `http://127.0.0.1:${await host.port()}`;
    await host.waitForLine((l) => l.msg === "botyard host ready");
    const send = async (id: string) =>
      (await fetch(`${url}/hooks/ledger`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id }) })).status;
    const posted = () => slack.messages(CHANNEL).map((m) => m.text);
    const acks = async () => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      return Number(/^botyard_store_operation_seconds_count\{backend="sqlite",op="ack"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    };
    const readiness = async () => {
      const res = await fetch(`${url}/readyz`);
      return { status: res.status, body: (await res.json()) as { store: { ok: boolean; error?: string } } };
    };

    const before = Array.from({ length: 10 }, (_, i) => `before-${i}`);
    expect(await Promise.all(before.map(send))).toEqual(before.map(() => 202));
    await expect.poll(() => posted().length, { timeout: 10_000 }).toBe(10);
    // Their acks are committed too: a job whose ack the full disk refused would run again (see the report).
    await expect.poll(acks, { timeout: 5_000 }).toBe(10);

    disk.fill();
    const during = Array.from({ length: 5 }, (_, i) => `during-${i}`);
    const refused = await Promise.all(during.map(send));
    // Not one of them is acknowledged (none was stored), and each is refused as the outage it is: 503, never 500.
    expect(refused).toEqual(during.map(() => 503));
    // The health check finds the store cannot write (a ping is a write once a write has failed)...
    await expect.poll(async () => (await readiness()).status, { timeout: 5_000 }).toBe(503);
    const unready = await readiness();
    expect(unready.body.store.ok).toBe(false);
    expect(unready.body.store.error).toContain(`The disk holding the store database ${file} is full`);
    // ...and from then on, deliveries are refused with 503, which senders retry.
    expect(await send("during-late")).toBe(503);
    expect(host.child.exitCode).toBeNull();

    disk.free();
    await expect.poll(async () => (await readiness()).status, { timeout: 10_000 }).toBe(200);
    // The senders retry what was refused.
    expect(await Promise.all([...during, "during-late"].map(send))).toEqual([...during, "during-late"].map(() => 202));
    await expect.poll(() => posted().length, { timeout: 10_000 }).toBe(16);
    expect([...posted()].sort()).toEqual([...before, ...during, "during-late"].sort());

    // The first failed write paused intake, saying why.
    expect(host.lines.some((l) => l.level === 50 && l.msg === "store unreachable: intake paused, host not ready until it answers" && String(l.error).includes("is full"))).toBe(true);
    expect(host.lines.some((l) => l.msg === "store reachable again: intake resumed")).toBe(true);

    host.kill("SIGTERM");
    expect(await host.exited).toEqual({ code: 0, signal: null });
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      db.close();
    }
  });
});
