import { Writable } from "node:stream";
import {
  BotyardError,
  Engine,
  ErrorCodes,
  MemoryStore,
  SocketModeReceiver,
  createContainer,
  createLogger,
  createSlackClient,
  namespaced,
  type ActionRecord,
  type BotStatus,
  type Container,
  type ErrorCode,
  type MetricSample,
  type Plugin,
  type Static,
  type Store,
  type StoreBackend,
  type TSchema,
  type WebhookResponse,
} from "@botyard/core";
import { SlackEmulator, type PostedMessage, type SharedFile } from "../slack/slack-emulator.js";

export interface TestBotOptions {
  /** Bot id (default `test-bot`): webhook paths and store keys use it. */
  id?: string;
  dryRun?: boolean;
  /** An emulator you set up yourself (channels, users); one is started (and closed) for you otherwise. */
  slack?: SlackEmulator;
  /** A store to share with other test bots or to inspect (default: a fresh MemoryStore). */
  store?: StoreBackend;
  /**
   * Channels to create in the emulator (ids). Channel ids found in the config (strings such as
   * `C0123ABCD`) are created too, so `createTestBot(plugin, { channel: "C0123ABCD" })` just works.
   */
  channels?: string[];
  /** Log level of the captured logs (default `debug`; all lines land in `t.logs`). */
  logLevel?: "trace" | "debug" | "info" | "warn" | "error";
  /**
   * How long the Socket Mode client waits for a pong (default 200 ms, so that tests of reconnects
   * are quick). A bot whose first runs overlap the socket's start on a loaded machine may stall
   * the event loop longer than that and see a reconnect it did not ask for: give it more.
   */
  pingTimeoutMs?: number;
  /**
   * Registers services before the plugin's setup runs, replacing what the plugin would
   * `bot.provide` (a fake API client) or the built-in ones (`Tokens.Clock`):
   * `services: (c) => c.register(Tokens.Clock, { useValue: fixedClock })`.
   */
  services?: (container: Container) => void;
}

export interface SendOptions {
  /** Channel id (default `t.channel`). */
  channel?: string;
  /** Who posts (default `t.user`); add people with `t.slack.addUser({ id, name })`. */
  user?: string;
  /** Reply in the thread of this message's `ts`. */
  thread_ts?: string;
  /** With `thread_ts`: also send the reply to the channel (a `thread_broadcast`, with `root`). */
  reply_broadcast?: boolean;
  /** Share files with the message (a `file_share` message), e.g. `[{ name: "report.csv" }]`. */
  files?: SharedFile[];
  /**
   * `false`: resolve once Slack has delivered the event, without waiting for the bot, as the host
   * sees several people typing at once: its handlers run concurrently with the next events'. Then
   * `await t.settle()`. Default `true`: resolve once the bot has handled it.
   */
  wait?: boolean;
}

export interface WebhookOptions {
  /** Request headers; names are lowercased, as the host (Node's HTTP server) hands them to a handler. */
  headers?: Record<string, string>;
  /** Query parameters (`ctx.event.query`). */
  query?: Record<string, string | string[]>;
  /**
   * The text `body` was read from (default `body` as JSON), as it is when the host reads a request:
   * a durable delivery claimed back from the store has its body read again from it.
   */
  rawBody?: string;
}

/**
 * One bot running in-process exactly as the host runs it (the same engine, the real WebClient and
 * SocketModeClient) against the Slack emulator, with deterministic ways to fire its triggers and
 * wait for the runs they cause.
 */
export class TestBot {
  /** The default person who talks to the bot. */
  readonly user: string;
  /** The default channel for `send` (the first channel given or found in the config). */
  readonly channel: string;
  readonly actions: ActionRecord[] = [];
  /** Every `ctx.metrics` report, in order (see `metric` for a series' current value). */
  readonly metrics: MetricSample[] = [];
  readonly logs: Array<Record<string, unknown>> = [];

  constructor(
    readonly id: string,
    readonly slack: SlackEmulator,
    readonly engine: Engine,
    readonly backend: StoreBackend,
    private readonly receiver: SocketModeReceiver,
    private readonly ownsSlack: boolean,
    defaults: { user: string; channel: string },
  ) {
    this.user = defaults.user;
    this.channel = defaults.channel;
  }

  /** The bot's own namespace of the store (what its handlers see as `ctx.store`). */
  get store(): Store {
    return namespaced(this.backend, `bot/${this.id}`);
  }

  status(): BotStatus {
    return this.engine.status().find((b) => b.id === this.id)!;
  }

  /**
   * A metric's value as `/metrics` would show it for this bot: the last value set for a gauge, the
   * sum for a counter; `undefined` when nothing was reported. With `labels`, only that series.
   */
  metric(name: string, labels: Record<string, string> = {}): number | undefined {
    const key = JSON.stringify(Object.entries(labels).sort());
    let value: number | undefined;
    for (const m of this.metrics) {
      if (m.bot !== this.id || m.name !== name.replace(/_total$/, "") || JSON.stringify(Object.entries(m.labels).sort()) !== key) continue;
      value = m.kind === "gauge" ? m.value : (value ?? 0) + m.value;
    }
    return value;
  }

  /** Fires a schedule (the only one, or the one named) as if its time had come, and waits for the run. */
  async fireSchedule(name?: string): Promise<void> {
    await this.engine.fire(this.id, name);
    await this.settle();
  }

  /**
   * POSTs a body to the bot's webhook at `path` and waits for the run (and for queued durable work);
   * resolves with the answer the host would send (`{ status, body }`).
   */
  async webhook(path: string, body: unknown, options: WebhookOptions = {}): Promise<WebhookResponse> {
    const rawBody = options.rawBody ?? (body === undefined ? "" : JSON.stringify(body));
    const headers: Record<string, string> = { "content-type": "application/json" };
    // Node lowercases header names: a handler reading `X-Secret` would pass here and fail in the host.
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
    const response = await this.engine.handleWebhook(this.id, path, { method: "POST", headers, query: options.query ?? {}, rawBody, body });
    await this.settle();
    return response;
  }

  /**
   * A person posts `text` (over Socket Mode, as Slack delivers it); resolves once the bot has
   * handled it, or at once with `{ wait: false }` (see `SendOptions.wait`). `/me waves` posts a
   * `me_message`; `files` make a `file_share`.
   */
  async send(text: string, options: SendOptions = {}): Promise<PostedMessage> {
    // A Slack client turns `/me waves` into a me_message with the text "waves".
    const me = /^\/me\s+/.exec(text);
    const posted = await this.slack.sendMessage({
      channel: options.channel ?? this.channel,
      user: options.user ?? this.user,
      text: me ? text.slice(me[0].length) : text,
      ...(me ? { me: true } : {}),
      ...(options.thread_ts ? { thread_ts: options.thread_ts } : {}),
      ...(options.reply_broadcast ? { reply_broadcast: true } : {}),
      ...(options.files ? { files: options.files } : {}),
    });
    if (options.wait !== false) await this.settle(posted.events.map((e) => e.eventId));
    return posted;
  }

  /** A person mentions the bot: `t.mention("deploy web")` posts `<@bot> deploy web`, as Slack writes a mention. */
  mention(text: string, options: SendOptions = {}): Promise<PostedMessage> {
    return this.send(`<@${this.slack.botUserId}> ${text}`, options);
  }

  /** A person runs a slash command; resolves once the bot has handled it. */
  async command(command: string, text = "", options: { channel?: string; user?: string } = {}) {
    const result = await this.slack.slashCommand({ command, text, user: options.user ?? this.user, channel: options.channel ?? this.channel });
    await this.settle();
    return result;
  }

  /**
   * Waits until every event delivered so far is acked (or only those of `eventIds`) and every run
   * it caused has finished, durable work included (queued deliveries, and retries waiting out
   * their backoff).
   */
  async settle(eventIds?: string[], timeoutMs = 10_000): Promise<void> {
    if (eventIds) for (const id of eventIds) await this.slack.waitForAck(id, timeoutMs);
    // An envelope on its way has not reached the engine yet: drain alone would miss it. (One queued
    // while no connection is open waits for a reconnect, which a test may never make.)
    else await this.slack.waitFor(() => !this.slack.envelopes.some((e) => e.state === "sent"), timeoutMs);
    await this.engine.drain(timeoutMs);
  }

  async close(): Promise<void> {
    await this.engine.stop(2_000);
    await this.receiver.stop();
    await this.backend.close();
    if (this.ownsSlack) await this.slack.close();
  }
}

// Slack channel ids: C or G, capitals and digits, with at least one digit (so "CPU" is not one).
const CHANNEL_ID = /^[CG](?=[A-Z0-9]*\d)[A-Z0-9]+$/;

/**
 * A bot's `config:` as a test writes it: checked against the plugin's config type at compile time
 * (a misspelt field or a wrong type does not compile), every field optional, since the schema's
 * defaults fill in what is left out; a missing required field is the coded error `validate` gives.
 */
export type TestConfig<T> = T extends (infer I)[] ? TestConfig<I>[] : T extends object ? { [K in keyof T]?: TestConfig<T[K]> } : T;

/**
 * Starts one bot of `plugin` with `config` against the Slack emulator.
 *
 * ```ts
 * const t = await createTestBot(standup, { channel: "C0123ABCD" });
 * await t.fireSchedule();
 * expect(t.slack.messages("C0123ABCD").map((m) => m.text)).toEqual(["Standup time!"]);
 * await t.close();
 * ```
 */
export async function createTestBot<S extends TSchema>(plugin: Plugin<S>, config: TestConfig<Static<S>>, options: TestBotOptions = {}): Promise<TestBot> {
  const id = options.id ?? "test-bot";
  const slack = options.slack ?? (await SlackEmulator.start({ ackTimeoutMs: 1_000 }));
  const channels = [...(options.channels ?? []), ...channelIdsIn(config)];
  for (const channel of channels) if (!slack.channel(channel)) slack.createChannel(channel.toLowerCase(), { id: channel });
  const channel = channels[0] ?? (slack.channel("#general")?.id ?? slack.createChannel("general").id);
  const user = slack.user("U0TESTER")?.id ?? slack.addUser({ id: "U0TESTER", name: "tester", email: "tester@example.com" }).id;

  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: options.logLevel ?? "debug", destination });
  const client = createSlackClient({
    token: slack.botToken,
    apiUrl: slack.apiUrl,
    logger,
    clientOptions: { retryConfig: { retries: 5, minTimeout: 10, maxTimeout: 100 } },
  });
  const store = options.store ?? new MemoryStore();
  const container = createContainer();
  options.services?.(container);
  const engine = new Engine({ slack: client, store, logger, container, queue: { pollMs: 20, maxPollMs: 200 } });
  const receiver = new SocketModeReceiver({
    appToken: slack.appToken,
    apiUrl: slack.apiUrl,
    logger,
    clientPingTimeoutMs: options.pingTimeoutMs ?? 200,
    onEnvelope: (envelope) => void engine.dispatch(envelope),
  });
  const bot = new TestBot(id, slack, engine, store, receiver, !options.slack, { user, channel });
  (bot as { logs: typeof logs }).logs = logs;
  engine.observe({ action: (record) => bot.actions.push(record), metric: (sample) => bot.metrics.push(sample) });

  const [status] = engine.load([{ id, plugin, config, ...(options.dryRun ? { dryRun: true } : {}) }]);
  if (status?.state === "failed") {
    await bot.close();
    // The error `botyard validate` reports for the same config, with its code (not a raw library error).
    throw new BotyardError((status.code as ErrorCode | undefined) ?? ErrorCodes.PLUGIN_SETUP_FAILED, status.reason ?? `bot ${id} failed to load`, {
      details: { bot: id, ...(status.value !== undefined ? { value: status.value } : {}) },
    });
  }
  engine.setIdentity({ userId: slack.botUserId, botId: slack.botId });
  await engine.start();
  await receiver.start();
  return bot;
}

function channelIdsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === "string" && CHANNEL_ID.test(value) && !found.includes(value)) found.push(value);
  else if (Array.isArray(value)) for (const v of value) channelIdsIn(v, found);
  else if (value && typeof value === "object") for (const v of Object.values(value)) channelIdsIn(v, found);
  return found;
}
