import { Writable } from "node:stream";
import { Engine } from "../engine/engine.js";
import { createLogger } from "../logging/logger.js";
import type { Plugin } from "../plugin/define-plugin.js";
import { createSlackClient } from "../slack/slack-client.js";
import { MemoryStore } from "../store/memory-store.js";

/** An engine running one bot of `plugin`, on a memory store, with a Slack client nothing calls: for core's trigger tests. */
export async function oneBotEngine(id: string, plugin: Plugin): Promise<{ engine: Engine; store: MemoryStore }> {
  const store = new MemoryStore();
  const logger = createLogger({ level: "silent", destination: new Writable({ write: (_c, _e, done) => done() }) });
  const slack = createSlackClient({ token: "xoxb-unused", apiUrl: "http://127.0.0.1:9/api/", logger });
  const engine = new Engine({ slack, store, logger });
  engine.load([{ id, plugin, config: {} }]);
  await engine.start();
  return { engine, store };
}
