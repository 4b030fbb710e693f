import { Engine, MemoryStore, Type, createSlackClient, definePlugin, silentLogger, type SlackEnvelope } from "@botyard/core";
import { median, type BenchOptions, type BenchResult } from "../bench-result.js";

const plugin = definePlugin({
  name: "listener",
  core: "^1.0.0",
  config: Type.Object({ channel: Type.String() }),
  setup(bot, config) {
    bot.message(/^deploy/, async () => {}, { channel: config.channel });
  },
});

/** An engine with `n` bots, each listening to messages in its own channel. */
async function engineWith(n: number): Promise<Engine> {
  const logger = silentLogger();
  const engine = new Engine({ slack: createSlackClient({ token: "xoxb-bench", apiUrl: "http://127.0.0.1:9/api/", logger }), store: new MemoryStore(), logger });
  engine.load(Array.from({ length: n }, (_, i) => ({ id: `bot-${i}`, plugin, config: { channel: `C${i}` } })));
  await engine.start();
  return engine;
}

let seq = 0;
const envelope = (channel: string): SlackEnvelope => ({
  envelope_id: `e${seq}`,
  type: "events_api",
  payload: { event_id: `Ev${seq++}`, event: { type: "message", channel, user: "U1", text: "deploy web", ts: `${seq}.000100` } },
});

/**
 * Cost of dispatching one Slack event (routing, event-id dedupe in the store, one handler run)
 * with 10, 200 and 2,000 bots listening to different channels: it must stay flat.
 */
export default async function dispatchSuite(options: BenchOptions): Promise<BenchResult[]> {
  const sizes = [10, 200, 2_000];
  const events = options.quick ? 2_000 : 20_000;
  const engines = new Map<number, Engine>();
  for (const n of sizes) engines.set(n, await engineWith(n));
  const measure = async (n: number) => {
    const engine = engines.get(n)!;
    const started = performance.now();
    for (let i = 0; i < events; i++) await engine.dispatch(envelope(`C${i % n}`));
    await engine.idle();
    return ((performance.now() - started) * 1000) / events;
  };
  // Alternate the sizes so that drift on a shared machine hits each the same.
  const samples = new Map<number, number[]>(sizes.map((n) => [n, []]));
  for (let round = 0; round < (options.quick ? 2 : 5); round++) for (const n of sizes) samples.get(n)!.push(await measure(n));
  const base = median(samples.get(10)!);
  const results: BenchResult[] = sizes.map((n) => ({
    suite: "dispatch",
    workload: `${n.toLocaleString("en-US")} bots, each on its own channel; events spread over them`,
    metric: "cost per event (median of rounds)",
    value: median(samples.get(n)!),
    unit: "µs",
  }));
  const ratio = median(samples.get(2_000)!) / base;
  results.push({ suite: "dispatch", workload: "2,000 bots vs 10 bots", metric: "cost ratio", value: ratio, unit: "x", target: "flat (< 2x)", met: ratio < 2 });
  for (const engine of engines.values()) await engine.stop();
  return results;
}
