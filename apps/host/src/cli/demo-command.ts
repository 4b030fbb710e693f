import { mkdirSync, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { SlackEmulator, type DemoScenario } from "@botyard/testing";
import { loadConfig } from "../config/load-config.js";
import { Transcript } from "../demo/transcript.js";
import { startHost } from "../runtime/host.js";
import type { CliIO } from "./run-cli.js";
import { STORE_ALIASES } from "../config/config-schema.js";

/**
 * `botyard demo`: the host with its store and the example bots.yaml, explicitly wired to the
 * built-in Slack emulator (the production `start` never falls back to one). It prints the channels
 * as a live transcript; in a terminal, each line typed is a message from you (`#channel` switches
 * channel, `/command args` runs a slash command); otherwise it plays the scenario's script and exits 0.
 */
export async function demoCommand(configPath: string, scenarioPath: string | undefined, io: CliIO & { stdin: NodeJS.ReadStream }): Promise<number> {
  const scenario = scenarioPath ? await loadScenario(scenarioPath) : undefined;
  const slack = await SlackEmulator.start();
  const transcript = new Transcript(slack, (line) => io.stdout.write(`${line}\n`));
  const seeded = scenario ? await scenario.setup(slack) : { env: {} };
  const env = { ...io.env, ...seeded.env, SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, SLACK_API_URL: slack.apiUrl };
  const config = loadConfig(configPath, env);
  // The emulators start empty on every run, so the store does too: state kept from an earlier run
  // names messages, groups and deliveries of a workspace that no longer exists (the on-call bot,
  // for one, would not refill a group it believes it already filled). SQLite gets a throwaway file.
  const store = config.config.store ?? { type: "sqlite" };
  let loaded = config;
  let scratch: string | undefined;
  if (store.type === "sqlite" || store.use === STORE_ALIASES.sqlite) {
    scratch = mkdtempSync(join(tmpdir(), "botyard-demo-"));
    const path = typeof store.path === "string" ? store.path : "state.db";
    loaded = { ...config, config: { ...config.config, store: { ...store, path: join(scratch, basename(path)) } } };
  }
  const logFile = join(loaded.dir, ".botyard", "demo.log");
  mkdirSync(dirname(logFile), { recursive: true });
  const logs = createWriteStream(logFile, { flags: "w" });

  const detach = transcript.attach();
  transcript.narrate(
    `Botyard demo: ${loaded.config.bots.length} bots from ${configPath}, Slack emulator at ${slack.url}, ${scratch ? "a fresh SQLite store, " : ""}logs in ${logFile}`,
  );
  const host = await startHost(loaded, { logDestination: logs, clientPingTimeoutMs: 500 });
  const hostUrl = `http://127.0.0.1:${host.port}`;
  const failed = host.engine.status().filter((b) => b.state === "failed");
  for (const bot of failed) transcript.narrate(`bot ${bot.id} failed: ${bot.reason}`);

  const shutdown = async () => {
    detach();
    await host.stop();
    await seeded.close?.();
    await slack.close();
    await new Promise<void>((r) => logs.end(() => r()));
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };

  if (!io.stdin.isTTY) {
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

  let channel = scenario?.channel ?? slack.createChannel("general").id;
  const user = scenario?.user ?? slack.addUser({ name: "you", email: "you@example.com" }).id;
  transcript.narrate(`Type a message for #${slack.channel(channel)?.name}; "#name" switches channel, "/command text" runs a slash command, Ctrl-D quits.`);
  const rl = createInterface({ input: io.stdin });
  for await (const line of rl) {
    const text = line.trim();
    if (!text) continue;
    try {
      if (/^#[\w-]+$/.test(text)) {
        const found = slack.channel(text);
        if (found) channel = found.id;
        transcript.narrate(found ? `now in ${text}` : `no channel ${text}`);
      } else if (text.startsWith("/")) {
        const [command, ...rest] = text.split(/\s+/);
        await slack.slashCommand({ command: command!, text: rest.join(" "), user, channel });
      } else {
        await slack.sendMessage({ channel, user, text });
      }
    } catch (error) {
      transcript.narrate((error as Error).message);
    }
  }
  // Ctrl-D right after a line: let the bots answer it before the host stops.
  await host.engine.idle();
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
