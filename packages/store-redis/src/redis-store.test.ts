import { randomUUID } from "node:crypto";
import { createServer, connect as netConnect, type AddressInfo, type Server, type Socket } from "node:net";
import { inspect } from "node:util";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "@botyard/core";
import { describeStoreContract } from "@botyard/testing/store-contract";
import { failure } from "@botyard/test-support";
import { freePort } from "@botyard/testing";
import { TcpProxy } from "@botyard/test-support";
import { silentLogger, validateStoreConfig } from "@botyard/core";
import redisStore from "./index.js";
import { RedisStore, type RedisStoreOptions } from "./redis-store.js";

const HOST = "127.0.0.1";
const PORT = 6379;
const REDIS_URL = `redis://${HOST}:${PORT}`;
const START_REDIS = `redis-server --daemonize yes --bind ${HOST} --port ${PORT} --save "" --appendonly no`;

/** Resolves when something answers PING with +PONG at host:port within a second. */
function answersPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

// These tests need a real Redis. They fail (never skip) without one, so that CI cannot pass
// without having run them.
if (!(await answersPing(HOST, PORT))) {
  throw new Error(`The Redis store tests require Redis on ${HOST}:${PORT}, and nothing answers PING there. Start it with:\n  ${START_REDIS}`);
}

/** Every key these tests write is under this prefix; all of it is deleted at the end. */
const RUN_PREFIX = `botyard-test-${randomUUID().slice(0, 8)}:`;
const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const stores: RedisStore[] = [];

async function open(options: Partial<RedisStoreOptions> = {}): Promise<RedisStore> {
  const store = await RedisStore.connect({ url: REDIS_URL, prefix: RUN_PREFIX, ...options });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  await admin.connect();
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

afterAll(async () => {
  // The run prefix is hex and letters only: no glob characters to escape in MATCH.
  let cursor = "0";
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${RUN_PREFIX}*`, "COUNT", 1000);
    if (keys.length) await admin.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  await admin.quit();
});

describeStoreContract("redis", () => RedisStore.connect({ url: REDIS_URL, prefix: RUN_PREFIX }));

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function timed<T>(promise: Promise<T>): Promise<number> {
  const started = performance.now();
  await promise.catch(() => {});
  return performance.now() - started;
}

/** Everything a test can see of an error: message, cause, details, as printed and as JSON. */
function everythingIn(error: unknown): string {
  return `${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}\n${String((error as Error).message)}`;
}

function fakeLogger() {
  const lines: Array<{ level: string; fields: unknown; message: string }> = [];
  const log = (level: string) => (fields: unknown, message: string) => void lines.push({ level, fields, message });
  return { lines, logger: { warn: log("warn"), info: log("info"), error: log("error"), debug: log("debug") } as unknown as Logger };
}

/** The connection named `name` in CLIENT LIST, if any. */
async function clientId(name: string): Promise<string | undefined> {
  const list = (await admin.call("CLIENT", "LIST")) as string;
  const line = list.split("\n").find((l) => l.includes(` name=${name} `));
  return line?.match(/^id=(\d+)/)?.[1];
}

describe("RedisStore", () => {
  describe("two replicas on one Redis", () => {
    it("never both win setIfAbsent, acquireLease or a tick claim", async () => {
      const a = await open();
      const b = await open();
      const ns = `${randomUUID().slice(0, 8)}/`;
      for (let round = 0; round < 50; round++) {
        const key = `${ns}tick/bot/trigger/${round}`;
        // Several callers per replica too, interleaved on two connections.
        const results = await Promise.all([
          ...Array.from({ length: 5 }, (_, i) => a.setIfAbsent(key, `a${i}`, { ttlMs: 60_000 })),
          ...Array.from({ length: 5 }, (_, i) => b.setIfAbsent(key, `b${i}`, { ttlMs: 60_000 })),
        ]);
        expect(results.filter(Boolean), key).toHaveLength(1);
        const leases = await Promise.all([a.acquireLease(`${ns}lease/${round}`, "replica-a", 60_000), b.acquireLease(`${ns}lease/${round}`, "replica-b", 60_000)]);
        expect(leases.filter(Boolean)).toHaveLength(1);
      }
    });

    it("never hands one job to both replicas", async () => {
      const a = await open();
      const b = await open();
      const q = `${randomUUID().slice(0, 8)}/jobs`;
      for (let i = 0; i < 60; i++) await (i % 2 ? a : b).enqueue(q, i);
      const claims = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).claim<number>(q, { claimMs: 60_000 })).concat(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? b : a).claim<number>(q, { claimMs: 60_000 })),
      ));
      const jobs = claims.filter((j) => j !== undefined);
      expect(jobs).toHaveLength(60);
      expect(new Set(jobs.map((j) => j.id)).size).toBe(60);
      expect(jobs.map((j) => j.payload).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      // A claim made through one replica is settled through the other.
      const first = jobs[0]!;
      expect(await b.ack(first)).toBe(true);
      expect(await a.ack(first)).toBe(false);
    });

    it("dedupes an enqueue sent to both replicas", async () => {
      const a = await open();
      const b = await open();
      const q = `${randomUUID().slice(0, 8)}/events`;
      const results = await Promise.all([a.enqueue(q, "from a", { dedupeKey: "Ev123" }), b.enqueue(q, "from b", { dedupeKey: "Ev123" })]);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(results[0]!.id).toBe(results[1]!.id);
      expect(await a.queueSize(q)).toBe(1);
    });
  });

  describe("key layout", () => {
    it("keeps values, indexes, jobs, dedupe markers and leases under the prefix", async () => {
      const prefix = `${RUN_PREFIX}${randomUUID().slice(0, 8)}:`;
      const store = await open({ prefix });
      await store.set("plain", { a: 1 });
      await store.set("short", 1, { ttlMs: 60_000 });
      await store.enqueue("q", { job: true }, { dedupeKey: "d" });
      await store.acquireLease("leader", "me", 60_000);
      expect(await admin.get(`${prefix}kv:plain`)).toBe('{"a":1}');
      expect(await admin.pttl(`${prefix}kv:plain`)).toBe(-1);
      expect(await admin.pttl(`${prefix}kv:short`)).toBeGreaterThan(59_000);
      expect(await admin.zrange(`${prefix}kv-index`, 0, -1)).toEqual(["plain", "short"]);
      expect(await admin.zrange(`${prefix}kv-expiry`, 0, -1)).toEqual(["short"]);
      const [member] = await admin.zrange(`${prefix}q:q`, 0, -1);
      const id = member!.replace(/^0+/, "");
      expect(member).toHaveLength(15);
      expect(await admin.hgetall(`${prefix}job:${id}`)).toMatchObject({ q: "q", p: '{"job":true}', a: "0", c: "" });
      expect(await admin.get(`${prefix}dedupe:1:q:d`)).toBe(id);
      expect(await admin.get(`${prefix}lease:leader`)).toBe("me");
      const keys = await admin.keys(`${prefix}*`);
      expect(keys.every((k) => k.startsWith(prefix))).toBe(true);
    });

    it("keeps dedupe keys of queues whose names run into each other apart", async () => {
      const store = await open();
      const ns = `${randomUUID().slice(0, 8)}/`;
      expect((await store.enqueue(`${ns}a:b`, 1, { dedupeKey: "c" })).duplicate).toBe(false);
      expect((await store.enqueue(`${ns}a`, 2, { dedupeKey: "b:c" })).duplicate).toBe(false);
    });

    it("keeps FIFO order among jobs ready at the same millisecond across id widths", async () => {
      const prefix = `${RUN_PREFIX}${randomUUID().slice(0, 8)}:`;
      const store = await open({ prefix });
      await admin.set(`${prefix}job-seq`, 8);
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push((await store.enqueue("q", i)).id);
      expect(ids).toEqual(["9", "10", "11", "12"]);
      // Same ready time for all: the order must come from the ids, numerically.
      for (const member of await admin.zrange(`${prefix}q:q`, 0, -1)) await admin.zadd(`${prefix}q:q`, 1, member);
      const order = [];
      for (let i = 0; i < 4; i++) order.push((await store.claim("q", { claimMs: 60_000 }))!.id);
      expect(order).toEqual(ids);
    });

    it("refuses job refs it never handed out without asking Redis anything odd", async () => {
      const store = await open();
      for (const id of ["", "0", "01", "abc", "1e3", "9999999999999999"]) {
        expect(await store.ack({ queue: "nope", id, claim: "x" }), id).toBe(false);
      }
      const q = `${randomUUID().slice(0, 8)}/q`;
      const { id } = await store.enqueue(q, 1);
      // A waiting job has no claim token: an empty token must not pass for it.
      expect(await store.ack({ queue: q, id, claim: "" })).toBe(false);
      expect(await store.queueSize(q)).toBe(1);
    });
  });

  describe("expired keys", () => {
    it("list removes index entries of expired keys it meets", async () => {
      const prefix = `${RUN_PREFIX}${randomUUID().slice(0, 8)}:`;
      const store = await open({ prefix });
      await store.set("a/gone", 1, { ttlMs: 30 });
      await store.set("a/kept", 2);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await store.list("a/")).toEqual([{ key: "a/kept", value: 2 }]);
      expect(await admin.zrange(`${prefix}kv-index`, 0, -1)).toEqual(["a/kept"]);
      expect(await admin.zcard(`${prefix}kv-expiry`)).toBe(0);
    });

    it("the sweep removes index entries of expired keys nobody lists", async () => {
      const prefix = `${RUN_PREFIX}${randomUUID().slice(0, 8)}:`;
      const store = await open({ prefix });
      for (let i = 0; i < 1_200; i++) await store.setIfAbsent(`tick/${i}`, 1, { ttlMs: 30 });
      await store.set("lost-ttl", 1, { ttlMs: 30 });
      await store.set("lost-ttl", 2); // no TTL any more: stays in the index, leaves the expiry index
      await store.set("later", 1, { ttlMs: 60_000 });
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await store.sweep()).toBe(1_200);
      expect(await admin.zrange(`${prefix}kv-index`, 0, -1)).toEqual(["later", "lost-ttl"]);
      expect(await admin.zrange(`${prefix}kv-expiry`, 0, -1)).toEqual(["later"]);
    });

    it("sweeps on its own timer", async () => {
      const prefix = `${RUN_PREFIX}${randomUUID().slice(0, 8)}:`;
      const store = await open({ prefix, sweepIntervalMs: 50 });
      await store.set("short", 1, { ttlMs: 20 });
      await eventually(async () => expect(await admin.zcard(`${prefix}kv-index`)).toBe(0), 3_000);
      expect(store.kind).toBe("redis");
    });
  });

  describe("when Redis is unreachable", () => {
    const PASSWORD = "s3cret-Pa55word";

    it("connect rejects fast with BOTYARD_ERR_STORE, naming the address but not the password", async () => {
      const port = await freePort();
      const url = `redis://botyard:${PASSWORD}@${HOST}:${port}/2`;
      let error!: Error & { code?: string };
      const elapsed = await timed(
        RedisStore.connect({ url, prefix: RUN_PREFIX }).catch((e: Error) => {
          error = e;
        }),
      );
      expect(elapsed).toBeLessThan(2_000);
      expect(error.code).toBe("BOTYARD_ERR_STORE");
      expect(error.message).toContain(`${HOST}:${port}`);
      expect(error.message).toMatch(/ECONNREFUSED/);
      expect(error.message).toMatch(/hint: /);
      expect(everythingIn(error)).not.toContain(PASSWORD);
    });

    it("with requireConnection false: ping and every operation fail at once with BOTYARD_ERR_STORE_UNAVAILABLE", async () => {
      const port = await freePort();
      const store = await open({ url: `redis://:${encodeURIComponent(PASSWORD)}@${HOST}:${port}`, requireConnection: false });
      await new Promise((resolve) => setTimeout(resolve, 100)); // let the first attempt fail
      expect(await timed(store.ping())).toBeLessThan(200);
      const ops: Array<[string, () => Promise<unknown>]> = [
        ["ping", () => store.ping()],
        ["get", () => store.get("k")],
        ["set", () => store.set("k", 1)],
        ["setIfAbsent", () => store.setIfAbsent("k", 1, { ttlMs: 1000 })],
        ["compareAndSet", () => store.compareAndSet("k", 1, 2)],
        ["list", () => store.list("")],
        ["enqueue", () => store.enqueue("q", 1, { dedupeKey: "d" })],
        ["claim", () => store.claim("q", { claimMs: 1000 })],
        ["ack", () => store.ack({ queue: "q", id: "1", claim: "c" })],
        ["acquireLease", () => store.acquireLease("l", "me", 1000)],
        ["queueSize", () => store.queueSize("q")],
      ];
      for (const [name, op] of ops) {
        const error = await failure(op());
        expect(error.code, name).toBe("BOTYARD_ERR_STORE_UNAVAILABLE");
        expect(error.message, name).toContain(`is unreachable (${name})`);
        expect(error.message, name).toContain(`${HOST}:${port}`);
        expect(everythingIn(error), name).not.toContain(PASSWORD);
        expect(everythingIn(error), name).not.toContain(encodeURIComponent(PASSWORD));
      }
      expect(store.isConnected).toBe(false);
      // Values that cannot be stored are still reported as such, before Redis is asked.
      expect(await failure(store.set("k", () => 1))).toMatchObject({ code: "BOTYARD_ERR_STORE_VALUE" });
    });

    it("connect rejects a refused password without repeating it", async () => {
      // A fake Redis that refuses every AUTH: what a wrong password gets.
      const fake = createServer((socket) => {
        socket.on("data", () => socket.write("-WRONGPASS invalid username-password pair or user is disabled.\r\n"));
        socket.on("error", () => socket.destroy());
      });
      await new Promise<void>((resolve) => fake.listen(0, HOST, resolve));
      const { port } = fake.address() as AddressInfo;
      try {
        const error = await failure(RedisStore.connect({ url: `redis://user:${PASSWORD}@${HOST}:${port}`, prefix: RUN_PREFIX, connectTimeoutMs: 1_000 }));
        expect(error.code).toBe("BOTYARD_ERR_STORE");
        expect(error.message).toContain("WRONGPASS");
        expect(error.message).toContain(`redis://user:***@${HOST}:${port}`);
        expect(everythingIn(error)).not.toContain(PASSWORD);
      } finally {
        fake.close();
      }
    });

    it("fails fast while Redis is gone and works again, with the same data, when it returns", async () => {
      const proxy = new TcpProxy({ host: HOST, port: PORT });
      await proxy.start();
      const { lines, logger } = fakeLogger();
      const changes: boolean[] = [];
      const store = await open({ url: `redis://${HOST}:${proxy.port}`, logger, onConnectionChange: (up) => changes.push(up) });
      const key = `${randomUUID().slice(0, 8)}/survives`;
      await store.set(key, "before");

      await proxy.stop();
      await eventually(async () => expect(store.isConnected).toBe(false), 2_000);
      let error!: Error & { code?: string };
      expect(await timed(store.ping().catch((e: Error) => (error = e)))).toBeLessThan(200);
      expect(error.code).toBe("BOTYARD_ERR_STORE_UNAVAILABLE");
      expect(await failure(store.setIfAbsent(`${key}/x`, 1))).toMatchObject({ code: "BOTYARD_ERR_STORE_UNAVAILABLE" });
      expect(lines).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringContaining("connection lost") }));

      await proxy.start(); // same port
      await eventually(() => store.ping(), 10_000);
      expect(await store.get(key)).toBe("before");
      expect(await store.setIfAbsent(`${key}/x`, 1)).toBe(true);
      expect(lines).toContainEqual(expect.objectContaining({ level: "info", message: expect.stringContaining("restored") }));
      expect(changes).toEqual([true, false, true]);
      await proxy.stop();
    });

    it("fails an operation after commandTimeoutMs when Redis stops answering, and recovers", async () => {
      const proxy = new TcpProxy({ host: HOST, port: PORT });
      await proxy.start();
      const store = await open({ url: `redis://${HOST}:${proxy.port}`, commandTimeoutMs: 300 });
      proxy.hold(true);
      let error!: Error & { code?: string };
      const elapsed = await timed(store.ping().catch((e: Error) => (error = e)));
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(1_500);
      expect(error.code).toBe("BOTYARD_ERR_STORE_UNAVAILABLE");
      expect(error.message).toMatch(/no reply within 300 ms/);
      proxy.hold(false);
      // The late replies arrive in order, and the connection carries on.
      await eventually(() => store.ping(), 5_000);
      expect(await store.setIfAbsent(`${randomUUID()}/after-hold`, 1)).toBe(true);
      await proxy.stop();
    });
    it("replaces a connection that stays silent (a half-open TCP connection after a partition)", async () => {
      const proxy = new TcpProxy({ host: HOST, port: PORT });
      await proxy.start();
      const name = `botyard-test-${randomUUID().slice(0, 8)}`;
      const store = await open({ url: `redis://${HOST}:${proxy.port}`, commandTimeoutMs: 300, connectionName: name });
      const before = await clientId(name);
      proxy.hold(true);
      expect(await failure(store.ping())).toMatchObject({ code: "BOTYARD_ERR_STORE_UNAVAILABLE" });
      // Silent for longer than the socket timeout (2 x commandTimeoutMs, at least 1 s): dropped.
      await eventually(async () => expect(store.isConnected).toBe(false), 3_000);
      proxy.hold(false);
      await eventually(() => store.ping(), 10_000);
      const after = await clientId(name);
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
      await proxy.stop();
    });
  });

  it("survives a CLIENT KILL of its connection", async () => {
    const name = `botyard-test-${randomUUID().slice(0, 8)}`;
    const store = await open({ connectionName: name });
    const key = `${randomUUID().slice(0, 8)}/k`;
    await store.set(key, 1);
    const before = await clientId(name);
    expect(before).toBeDefined();
    await admin.call("CLIENT", "KILL", "ID", before!);
    // Right after the kill an operation either works (already reconnected) or fails cleanly.
    const during = await store.get(key).then(
      () => undefined,
      (e: Error & { code?: string }) => e.code,
    );
    expect([undefined, "BOTYARD_ERR_STORE_UNAVAILABLE"]).toContain(during);
    await eventually(() => store.ping(), 10_000);
    expect(await store.compareAndSet(key, 1, 2)).toBe(true);
    expect(await store.get(key)).toBe(2);
    const after = await clientId(name);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });

  it("keeps working after Redis forgets its scripts (SCRIPT FLUSH, as after a restart)", async () => {
    const store = await open();
    const key = `${randomUUID().slice(0, 8)}/k`;
    expect(await store.setIfAbsent(key, 1)).toBe(true);
    await admin.script("FLUSH");
    expect(await store.setIfAbsent(key, 2)).toBe(false);
    expect(await store.compareAndSet(key, 1, 3)).toBe(true);
  });

  it("clear deletes everything under its own prefix only, glob characters included", async () => {
    const mine = await open({ prefix: `${RUN_PREFIX}g*[ab]?\\:` });
    // Matched by the prefix taken as an unescaped glob pattern.
    const other = await open({ prefix: `${RUN_PREFIX}gXa!:` });
    await mine.set("k", 1, { ttlMs: 60_000 });
    await mine.enqueue("q", 1, { dedupeKey: "d" });
    await mine.acquireLease("l", "me", 60_000);
    await other.set("k", 2);
    expect(await mine.clear()).toBe(8); // kv:k, kv-index, kv-expiry, q:q, job:<id>, job-seq, dedupe, lease
    expect(await mine.get("k")).toBeUndefined();
    expect(await mine.queueSize("q")).toBe(0);
    expect(await admin.keys(`${RUN_PREFIX}g\\*\\[ab\\]\\?\\\\:*`)).toEqual([]);
    expect(await other.get("k")).toBe(2);
  });

  it("answers ping until closed, and close is idempotent", async () => {
    const store = await RedisStore.connect({ url: REDIS_URL, prefix: RUN_PREFIX });
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ code: "BOTYARD_ERR_STORE", message: expect.stringContaining("closed") });
  });

  it("is what the package's store factory opens for bots.yaml's store: settings", async () => {
    const checked = validateStoreConfig(redisStore, { url: REDIS_URL, prefix: RUN_PREFIX });
    if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
    const store = await redisStore.open(checked.value, { configDir: "/nowhere", logger: silentLogger() });
    try {
      expect(store.kind).toBe("redis");
      expect(store).toBeInstanceOf(RedisStore);
      await store.ping();
    } finally {
      await store.close();
    }
  });
});
