import { mkdirSync, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { loadConfig, startHost, STORE_ALIASES, type RunningHost } from "@botyard/host";
import { SlackEmulator } from "@botyard/testing";
import { channelsNamedIn } from "./demo-channels.js";
import { demoLog } from "./demo-log.js";
import type { DemoScenario } from "./demo-scenario.js";
import { DemoSession } from "./demo-session.js";
import { guardOutbound } from "./outbound-guard.js";
import { Transcript } from "./transcript.js";

/** What the host's CLI hands the demo: its streams (already scrubbed of secrets) and environment. */
export interface DemoIO {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Read lines from stdin even when it is not a terminal. */
  interactive?: boolean;
}

/** How long the host may take to start before the demo says what it is waiting for. */
const SLOW_START_MS = 5_000;

/**
 * `botyard demo`: the host with its store and a bots.yaml, wired to the built-in Slack emulator
 * whatever the file's `slack:` section says (the production `start` never falls back to one), and
 * kept off the network: only this machine, where the emulators listen, is reachable. It prints the
 * channels as a live transcript, and every warning and error the host logs. In a terminal (or with
 * `--interactive`), each line typed is a message from you (see `/help`); otherwise it plays the
 * scenario's script and exits 0.
 */
export async function demoCommand(
  configPath: string,
  scenarioPath: string | undefined,
  io: DemoIO,
): Promise<number> {
  let transcript: Transcript | undefined;
  const early: string[] = [];
  const narrate = (text: string) => (transcript ? transcript.narrate(text) : early.push(text));
  const refused = new Set<string>();
  const unguard = guardOutbound((host, port) => {
    if (refused.has(`${host}:${port}`)) return;
    refused.add(`${host}:${port}`);
    narrate(`refused a connection to ${host}:${port}: the demo talks only to its emulators. Point the bot's URL at one (a scenario's setup can start them, see docs/demo.md).`);
  });
  try {
    return await runDemo(configPath, scenarioPath, io, (t) => {
      transcript = t;
      for (const text of early.splice(0)) t.narrate(text);
    }, narrate);
  } finally {
    unguard();
  }
}

async function runDemo(
  configPath: string,
  scenarioPath: string | undefined,
  io: DemoIO,
  onTranscript: (t: Transcript) => void,
  narrate: (text: string) => void,
): Promise<number> {
  const scenario = scenarioPath ? await loadScenario(scenarioPath) : undefined;
  const slack = await SlackEmulator.start();
  const transcript = new Transcript(slack, (line) => io.stdout.write(`${line}\n`));
  onTranscript(transcript);
  const seeded = scenario ? await scenario.setup(slack) : { env: {} };
  const emulated = { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, SLACK_API_URL: slack.apiUrl };
  const config = loadConfig(configPath, { ...io.env, ...seeded.env, ...emulated });
  // Whatever the file says about Slack (a real apiUrl, no apiUrl, tokens written in), the demo's
  // Slack is the emulator: its tokens must never reach slack.com, nor a real token the emulator.
  const slackSection = { ...config.config.slack, appToken: slack.appToken, botToken: slack.botToken, apiUrl: slack.apiUrl };
  // The emulators start empty on every run, so the store does too: state kept from an earlier run
  // names messages, groups and deliveries of a workspace that no longer exists (the on-call bot,
  // for one, would not refill a group it believes it already filled). SQLite gets a throwaway file.
  const store = config.config.store ?? { type: "sqlite" };
  let loaded = { ...config, config: { ...config.config, slack: slackSection } };
  let scratch: string | undefined;
  if (store.type === "sqlite" || store.use === STORE_ALIASES.sqlite) {
    scratch = mkdtempSync(join(tmpdir(), "botyard-demo-"));
    const path = typeof store.path === "string" ? store.path : "state.db";
    loaded = { ...loaded, config: { ...loaded.config, store: { ...store, path: join(scratch, basename(path)) } } };
  }
  // The channels the bots name exist, so that they can post and you can talk in them.
  for (const channel of channelsNamedIn(loaded.config.bots)) {
    if (slack.channel(channel)) continue;
    if (channel.startsWith("#")) slack.createChannel(channel.slice(1));
    else slack.createChannel(channel.toLowerCase(), { id: channel });
  }
  const logFile = join(loaded.dir, ".botyard", "demo.log");
  mkdirSync(dirname(logFile), { recursive: true });
  const logs = demoLog(createWriteStream(logFile, { flags: "w" }), (problem) => narrate(problem));

  const detach = transcript.attach();
  const bots = loaded.config.bots.length;
  transcript.narrate(
    `Botyard demo: ${bots} bot${bots === 1 ? "" : "s"} from ${configPath}, Slack emulator at ${slack.url}, ${scratch ? "a fresh SQLite store, " : ""}logs in ${logFile}`,
  );
  let host: RunningHost;
  const slow = setInterval(() => narrate(`the host is still starting (its log: ${logFile})`), SLOW_START_MS);
  try {
    host = await startHost(loaded, { logDestination: logs, clientPingTimeoutMs: 500 });
  } catch (error) {
    detach();
    await seeded.close?.();
    await slack.close();
    await new Promise<void>((r) => logs.end(() => r()));
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    throw error;
  } finally {
    clearInterval(slow);
  }
  const hostUrl = `http://127.0.0.1:${host.port}`;
  // Each failed bot is on screen already: the host logs it as an error.
  const failed = host.engine.status().filter((b) => b.state === "failed");

  const shutdown = async () => {
    detach();
    await host.stop();
    await seeded.close?.();
    await slack.close();
    await new Promise<void>((r) => logs.end(() => r()));
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };

  if (!io.stdin.isTTY && !io.interactive) {
    let code = 0;
    try {
      if (scenario) {
        await scenario.script({
          slack,
          hostUrl,
          narrate: (text) => transcript.narrate(text),
          until: (check, timeoutMs = 10_000) => slack.waitFor(check, timeoutMs).then(() => undefined),
        });
      }
      await host.engine.idle();
      transcript.narrate("scenario done");
    } catch (error) {
      transcript.narrate(`scenario failed: ${(error as Error).message}`);
      code = 1;
    }
    await shutdown();
    return failed.length > 0 ? 1 : code;
  }

  const channel = scenario?.channel ?? channelsNamedIn(loaded.config.bots).map((c) => slack.channel(c)?.id).find(Boolean) ?? slack.createChannel("general").id;
  const user = scenario?.user ?? slack.addUser({ name: "you", email: "you@example.com" }).id;
  const session = new DemoSession(slack, host.engine, (text) => transcript.narrate(text), user, channel);
  transcript.narrate(`Type a message for ${session.channelName}; "#name" switches channel, "/help" lists what else you can type, Ctrl-D quits.`);
  const rl = createInterface({ input: io.stdin });
  for await (const line of rl) await session.handle(line);
  // Ctrl-D right after a line: let the bots answer it before the host stops.
  await host.engine.idle();
  session.close();
  await shutdown();
  return 0;
}

async function loadScenario(path: string): Promise<DemoScenario> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: DemoScenario; scenario?: DemoScenario };
  const scenario = mod.default ?? mod.scenario;
  if (!scenario || typeof scenario.setup !== "function" || typeof scenario.script !== "function") {
    throw new Error(`${path} does not export a demo scenario (default export with setup() and script()).`);
  }
  return scenario;
}
