import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
// Only the public API: what a third party publishing a trigger kind has.
import {
  Engine,
  MemoryStore,
  Type,
  createLogger,
  createSlackClient,
  definePlugin,
  type ActiveTrigger,
  type BaseContext,
  type Trigger,
  type TriggerClaim,
  type TriggerRuntime,
} from "../index.js";

interface FeedItem {
  id: string;
  title: string;
}

/**
 * A third party's trigger kind: polls a feed and runs the handler once per new item, across
 * restarts and replicas (the seen ids live in the host store). The feed is exclusive per bot.
 */
class FeedTrigger implements Trigger {
  readonly kind = "acme.feed";
  readonly name: string;

  constructor(
    private readonly feed: { url: string; read: () => FeedItem[] },
    private readonly handler: (ctx: BaseContext<FeedItem>) => Promise<void>,
  ) {
    this.name = `feed:${feed.url}`;
  }

  describe(): string {
    return `feed ${this.feed.url}`;
  }

  claims(): TriggerClaim[] {
    return [{ what: "feed", value: this.feed.url }];
  }

  activate(rt: TriggerRuntime): ActiveTrigger {
    const poll = async () => {
      for (const item of this.feed.read()) {
        if (await rt.hostStore.setIfAbsent(`feed/${rt.botId}/${item.id}`, true)) await rt.run(item, this.handler);
      }
    };
    const timer = setInterval(() => void poll(), 10);
    return { stop: () => clearInterval(timer), fire: poll };
  }
}

const items: FeedItem[] = [];
const plugin = definePlugin({
  name: "news",
  core: "^1.0.0",
  config: Type.Object({ url: Type.String() }),
  setup(bot, config) {
    bot.on(
      new FeedTrigger({ url: config.url, read: () => items }, async (ctx) => {
        if (ctx.event.title === "boom") throw new Error("cannot summarise");
        await ctx.store.set(`seen/${ctx.event.id}`, ctx.event.title);
      }),
    );
  },
});

function engineWith() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: "info", destination: new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }) });
  const slack = createSlackClient({ token: "xoxb-unused", apiUrl: "http://127.0.0.1:9/api/", logger });
  const store = new MemoryStore();
  return { engine: new Engine({ slack, store, logger }), store, lines };
}

describe("a trigger kind added by a third party", () => {
  it("is registered with bot.on(), listed, run through the pipeline with errors isolated, and stopped", async () => {
    items.length = 0;
    const { engine, store, lines } = engineWith();
    engine.load([{ id: "news", plugin, config: { url: "https://acme.test/feed" } }]);
    await engine.start();
    expect(engine.status()[0]!.triggers).toMatchObject([{ name: "feed:https://acme.test/feed", kind: "acme.feed", description: "feed https://acme.test/feed" }]);

    items.push({ id: "1", title: "release 2.0" }, { id: "2", title: "boom" });
    await expect.poll(() => engine.status()[0]!.triggers[0]!.runs).toBe(2);
    await engine.idle();
    // The bot's own namespace got the effect; the failing item was logged with the bot id and counted.
    expect(await store.get("bot/news/seen/1")).toBe("release 2.0");
    expect(engine.status()[0]!.triggers[0]).toMatchObject({ errors: 1, lastError: expect.stringContaining("cannot summarise") });
    expect(lines.some((l) => l.bot === "news" && l.trigger === "feed:https://acme.test/feed" && l.level === 50)).toBe(true);
    expect(engine.status()[0]!.state).toBe("running");

    await engine.stop(1_000);
    items.push({ id: "3", title: "after stop" });
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.get("bot/news/seen/3")).toBeUndefined();
  });

  it("takes part in the exclusive claims checked at load", () => {
    const { engine } = engineWith();
    const status = engine.load([
      { id: "a", plugin, config: { url: "https://acme.test/feed" } },
      { id: "b", plugin, config: { url: "https://acme.test/feed" } },
    ]);
    expect(status[1]).toMatchObject({ state: "failed", reason: expect.stringContaining('Bot "b" claims the feed "https://acme.test/feed"') });
  });
});
