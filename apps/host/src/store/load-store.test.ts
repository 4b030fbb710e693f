import type { TempProject } from "@botyard/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCodes, MemoryStore } from "@botyard/core";
import { SqliteStore } from "@botyard/store-sqlite";
import { loadConfig } from "../config/load-config.js";
import { userProject } from "../test-support/temp-project.js";
import { createStore } from "./create-store.js";
import { loadStore } from "./load-store.js";

// bots.yaml's `store:` names a package that exports defineStore({...}), as `use:` names a plugin;
// `type: sqlite | redis | memory` are shorthands for the stores the host itself depends on.
const env = { SLACK_APP_TOKEN: "xapp-1-secret-app", SLACK_BOT_TOKEN: "xoxb-secret-bot" };
const header = `slack:\n  appToken: \${SLACK_APP_TOKEN}\n  botToken: \${SLACK_BOT_TOKEN}\n`;

let project: TempProject;
afterEach(() => project?.remove());

async function chosen(store: string, files: Record<string, string> = {}) {
  project = userProject();
  for (const [path, text] of Object.entries(files)) project.write(path, text);
  const loaded = loadConfig(project.write("bots.yaml", `${header}${store}\nbots: []\n`), env);
  return loadStore(loaded.config.store, loaded.dir, loaded.source);
}

// A third party's store, installed beside bots.yaml: what docs/writing-a-store.md shows.
const THIRD_PARTY = `import { MemoryStore, Type, defineStore } from "@botyard/core";
export default defineStore({
  name: "counting",
  config: Type.Object({ shards: Type.Integer({ minimum: 1 }), label: Type.Optional(Type.String({ default: "main" })) }, { additionalProperties: false }),
  open: (config) => Object.assign(new MemoryStore(), { opened: config }),
});
`;

describe("choosing the store in bots.yaml", () => {
  it("takes type: sqlite, redis and memory as the host's own store packages, with their defaults", async () => {
    const sqlite = await chosen("store: { type: sqlite }");
    expect(sqlite.problems).toEqual([]);
    expect(sqlite.store).toMatchObject({ use: "@botyard/store-sqlite", config: { path: ".botyard/state.db" } });
    expect(sqlite.store!.factory.name).toBe("sqlite");
    const redis = await chosen('store: { type: redis, url: "redis://127.0.0.1:6379" }');
    expect(redis.store).toMatchObject({ use: "@botyard/store-redis", config: { url: "redis://127.0.0.1:6379", prefix: "botyard:" } });
    expect((await chosen("store: { type: memory }")).store!.factory.name).toBe("memory");
  });

  it("uses SQLite at .botyard/state.db when bots.yaml says nothing", async () => {
    project = userProject();
    const loaded = loadConfig(project.write("bots.yaml", `${header}bots: []\n`), env);
    expect((await loadStore(loaded.config.store, loaded.dir, loaded.source)).store).toMatchObject({ use: "@botyard/store-sqlite", config: { path: ".botyard/state.db" } });
  });

  it("names a store package with use:, the built-in ones included when nothing is installed beside bots.yaml", async () => {
    const { store, problems } = await chosen('store: { use: "@botyard/store-redis", url: "redis://127.0.0.1:6379", prefix: "a:" }');
    expect(problems).toEqual([]);
    expect(store).toMatchObject({ use: "@botyard/store-redis", config: { url: "redis://127.0.0.1:6379", prefix: "a:" } });
    expect(store!.factory.name).toBe("redis");
  });

  it("loads a third party's store from beside bots.yaml, checks its settings with its schema and opens it with them", async () => {
    const { store, problems } = await chosen('store: { use: "./counting-store.js", shards: 3 }', { "counting-store.js": THIRD_PARTY });
    expect(problems).toEqual([]);
    expect(store).toMatchObject({ use: "./counting-store.js", config: { shards: 3, label: "main" } });
    const opened = await createStore({ use: "./counting-store.js", shards: 2 }, project.dir);
    expect(opened).toBeInstanceOf(MemoryStore);
    expect((opened as MemoryStore & { opened: unknown }).opened).toEqual({ shards: 2, label: "main" });
  });

  it("reports settings that do not match the store's schema at their line, with the store's name", async () => {
    const redis = await chosen("store:\n  type: redis\n  prefx: x\n");
    expect(redis.store).toBeUndefined();
    expect(redis.problems.map((p) => [p.code, p.path, p.message, p.where.replace(/^.*bots\.yaml/, "")])).toEqual([
      [ErrorCodes.STORE_CONFIG_INVALID, "store.url", "is required (store redis)", ":5:3"],
      [ErrorCodes.STORE_CONFIG_INVALID, "store.prefx", "is not a known field (check its spelling) (store redis)", ":6:3"],
    ]);
    const third = await chosen('store: { use: "./counting-store.js", shards: 0 }', { "counting-store.js": THIRD_PARTY });
    expect(third.problems[0]).toMatchObject({ code: ErrorCodes.STORE_CONFIG_INVALID, path: "store.shards", message: expect.stringContaining("(store counting)") });
  });

  it("says what to do when the store cannot be found, is not a store, or is named twice", async () => {
    const missing = await chosen('store: { use: "@acme/botyard-store-postgres" }');
    expect(missing.problems[0]).toMatchObject({
      code: ErrorCodes.STORE_NOT_FOUND,
      path: "store.use",
      message: expect.stringContaining('cannot find store "@acme/botyard-store-postgres"'),
      hint: "Install it beside bots.yaml: npm install @acme/botyard-store-postgres",
    });
    const notAStore = await chosen('store: { use: "./not-a-store.js" }', { "not-a-store.js": "export default { name: 'x' };\n" });
    expect(notAStore.problems[0]).toMatchObject({ code: ErrorCodes.STORE_INVALID, path: "store.use", message: expect.stringContaining("must export defineStore") });
    const twice = await chosen('store: { use: "@botyard/store-sqlite", type: sqlite }');
    expect(twice.problems[0]).toMatchObject({ code: ErrorCodes.CONFIG_INVALID, path: "store.type", message: expect.stringContaining("cannot be given with store.use") });
    const neither = await chosen("store: { path: x.db }");
    expect(neither.problems[0]).toMatchObject({ code: ErrorCodes.CONFIG_INVALID, path: "store", message: expect.stringContaining("needs use:") });
  });

  it("opens SQLite with its path relative to bots.yaml", async () => {
    project = userProject();
    const store = await createStore({ type: "sqlite", path: "state/here.db" }, project.dir);
    try {
      expect(store).toBeInstanceOf(SqliteStore);
      expect((store as SqliteStore).path).toBe(`${project.dir}/state/here.db`);
    } finally {
      await store.close();
    }
  });
});
