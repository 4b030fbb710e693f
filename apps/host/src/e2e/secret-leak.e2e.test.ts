import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubEmulator, PagerDutyEmulator, SlackEmulator, freePort, type HostProcess } from "@botyard/testing";
import { datadogAttachments, datadogEventId, webhookPayload } from "@botyard/plugin-dogdata/samples";
import { type TempProject } from "@botyard/test-support";
import { REPO_ROOT, botyard, userProject } from "../test-support/temp-project.js";

// Every secret Botyard is given, with a known and distinctive value, run through what production
// hosts do at `log.level: trace` (the three bundled plugins, a third-party plugin with durable
// webhooks, every client failing, start-ups refused), then searched for, in every spelling, in
// everything Botyard writes: output, log file, HTTP answers, CLI, and state (SQLite, Redis).

const REDIS = "redis://127.0.0.1:6379";
const run = `${process.pid}-${randomBytes(3).toString("hex")}`;
// Values with characters that URL-encoding, form-encoding and base64url all spell differently.
const odd = (name: string) => `${name}-${randomBytes(6).toString("hex")}/+!=`;
const alnum = (prefix: string) => `${prefix}${randomBytes(18).toString("hex")}`;
const digits = () => String(1e12 + Math.floor(Math.random() * 9e12));

const REDIS_USER = `botyard-leak-${run}`;
const REDIS_PASSWORD = odd("redis-pw");
const PREFIX = `botyard-leak:${run}:`;

/** Each secret by the variable it is given in; the Slack tokens are the emulators' (random) ones. */
const secrets: Record<string, string> = {
  REDIS_PASSWORD,
  // A mistyped password is most of the real one: it is a secret too.
  REDIS_WRONG_PASSWORD: `${REDIS_PASSWORD}x`,
  SLACK_REVOKED_APP_TOKEN: `xapp-1-A0REVOKED-${digits()}-${randomBytes(32).toString("hex")}`,
  SLACK_REVOKED_BOT_TOKEN: `xoxb-${digits()}-${digits()}-${randomBytes(12).toString("hex")}`,
  GITHUB_TOKEN: alnum("ghp_"),
  GITHUB_OLD_TOKEN: alnum("ghp_"),
  PAGERDUTY_TOKEN: alnum("pdkey"),
  PAGERDUTY_OLD_TOKEN: alnum("pdold"),
  DOGDATA_SECRET: odd("dd-secret"),
  DOGDATA_PASSWORD: odd("dd-basic"),
  DEPLOY_KEY: odd("deploy-key"),
  DEPLOY_TOKEN: odd("deploy-token"),
  MIRROR_TOKEN: odd("mirror-token"),
  CRASH_TOKEN: odd("crash-token"),
  BOTYARD_ADMIN_TOKEN: alnum("admin"),
};
// Credentials as they travel: HTTP basic auth carries base64(user:password).
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");

/** Every spelling of `value` a leak could take. */
function spellings(value: string): Record<string, string> {
  const b64 = Buffer.from(value).toString("base64");
  const forms: Record<string, string> = {
    raw: value,
    "URL-encoded": encodeURIComponent(value),
    "form-encoded": new URLSearchParams({ v: value }).toString().slice(2),
    "JSON-escaped": JSON.stringify(value).slice(1, -1),
    base64: b64.replace(/=+$/, ""),
    base64url: Buffer.from(value).toString("base64url"),
  };
  // A spelling that is the same text as an earlier one is not a second leak.
  const seen = new Set<string>();
  return Object.fromEntries(Object.entries(forms).filter(([, form]) => !seen.has(form) && seen.add(form)));
}

/** `where: NAME as spelling` for each secret found in `text` (a file's bytes are searched as UTF-8, SQLite's text encoding). */
function leaks(where: string, text: string | Buffer, known: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(known)) {
    for (const [spelling, form] of Object.entries(spellings(value))) if (text.includes(form)) found.push(`${where}: ${name} as ${spelling}`);
  }
  return found;
}

const plugins = {
  // A third-party CI hook as people write them: a key in a header whose name does not say so (so
  // it is declared in `credentials`) or a `?token=`, durable, logging freely, failing loudly.
  deploy: `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "deploy", core: "^1.0.0",
  config: Type.Object({ channel: Type.String(), key: Type.String(), token: Type.String(), api: Type.String() }),
  setup(bot, config) {
    const verify = (req) => (req.headers["x-deploy-key"] === config.key || req.query.token === config.token ? undefined : { status: 401, body: { ok: false } });
    bot.webhook("/", { verify, credentials: ["X-Deploy-Key"], dedupeKey: (req) => req.body.id, durable: { maxAttempts: 2 } }, async (ctx) => {
      ctx.log.trace({ event: ctx.event, config }, "deploy requested");
      ctx.metrics.count("deploy_requests", 1, { api: config.api });
      if (ctx.event.body.fail) throw new Error("the deploy API refused key " + config.key + " and token " + config.token);
      await ctx.slack.chat.postMessage({ channel: config.channel, text: "deploying " + ctx.event.body.id });
      try {
        await ctx.slack.chat.postMessage({ channel: "C0ARCHIVED", text: "deploying " + ctx.event.body.id });
      } catch (err) {
        ctx.log.warn({ err, client: ctx.slack }, "could not tell the old channel");
      }
    });
    bot.webhook("/now", { verify }, async (ctx) => {
      throw new Error("deploy now failed for " + JSON.stringify(ctx.event.query) + " " + JSON.stringify(ctx.event.headers));
    });
  },
});
`,
  // A plugin whose stray timer throws an error quoting its config: nothing can catch it, the
  // process ends; during start-up (from setup) or once running (from a webhook).
  crasher: `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "crasher", core: "^1.0.0",
  config: Type.Object({ token: Type.String(), when: Type.Union([Type.Literal("setup"), Type.Literal("webhook")]) }),
  setup(bot, config) {
    const crash = () => setTimeout(() => { throw new Error("sync failed with token " + config.token); }, 0);
    if (config.when === "setup") crash();
    bot.webhook("/", async () => { crash(); });
  },
});
`,
  // A plugin whose setup refuses its config, quoting it.
  mirror: `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "mirror", core: "^1.0.0",
  config: Type.Object({ endpoint: Type.String() }),
  setup(bot, config) {
    throw new Error("cannot mirror to " + config.endpoint + ": mirroring is not set up in this workspace");
  },
});
`,
};

/** What a command said, and how it exited. */
type Said = { code: number | null; stdout: string; stderr: string };

/** One user's deployment: its emulators, its project, its `botyard start` on one store, and its CLI. */
class Deployment {
  slack!: SlackEmulator;
  github!: GitHubEmulator;
  pagerduty!: PagerDutyEmulator;
  project!: TempProject;
  host!: HostProcess;
  /** The host's exit, once its output is complete. */
  stopped!: Promise<Said>;
  adminPort!: number;
  adminEndpointPort!: number;
  env!: NodeJS.ProcessEnv;
  listed?: { source: string };
  /** Everything Botyard wrote or answered, by where it was found. */
  readonly outputs: Array<{ where: string; text: string | Buffer }> = [];

  constructor(readonly store: "sqlite" | "redis") {}

  async start(): Promise<void> {
    [this.slack, this.github, this.pagerduty, this.adminPort, this.adminEndpointPort] = await Promise.all([
      SlackEmulator.start(),
      GitHubEmulator.start(),
      PagerDutyEmulator.start({ token: secrets.PAGERDUTY_TOKEN! }),
      freePort(),
      freePort(),
    ]);
    const { slack, github, pagerduty } = this;
    for (const [name, id] of [["alerts", "C0ALERTS01"], ["releases", "C0RELEASE1"], ["sre", "C0SRETEAM1"], ["deploys", "C0DEPLOYS1"]] as const) slack.createChannel(name, { id });
    slack.addUser({ id: "U0ALICE", name: "alice", realName: "Alice Archer", email: "alice@example.com" });
    slack.addUser({ id: "U0BOB", name: "bob", email: "bob@example.com" });
    slack.addUsergroup({ handle: "oncall-sre", name: "SRE on call" });
    slack.addUsergroup({ handle: "oncall-old", name: "Old on call" });

    github.addUser({ login: "release-bot" });
    github.addToken(secrets.GITHUB_TOKEN!, { login: "release-bot" });
    github.addUser({ login: "alice", email: "alice@example.com" });
    const web = github.createRepo("acme/web");
    web.createBranch("develop", "main");
    web.featureMerge("develop", { title: "Add the login page", author: "alice", method: "merge", commits: 2 });

    const alice = pagerduty.addUser({ name: "Alice Archer", email: "alice@example.com" });
    pagerduty.addSchedule({ id: "PSRE001", name: "SRE primary" });
    pagerduty.setOnCall("PSRE001", [{ userId: alice.id, start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() + 3_600_000) }]);

    this.project = userProject();
    for (const name of ["plugin-dogdata", "plugin-release", "plugin-oncall"]) this.project.link(`@botyard/${name}`, join(REPO_ROOT, "packages", name));
    this.project.plugin("botyard-plugin-deploy", plugins.deploy);
    this.project.plugin("botyard-plugin-mirror", plugins.mirror);
    this.project.plugin("botyard-plugin-crasher", plugins.crasher);
    this.project.write("bots.yaml", this.botsYaml());
    this.env = {
      ...secrets,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_BOT_TOKEN: slack.botToken,
      REDIS_URL: redisUrl(REDIS_PASSWORD),
      // Tolerant of a busy machine (a late pong is a reconnect), and still quick to reconnect.
      BOTYARD_SOCKET_PING_TIMEOUT_MS: "2000",
    };
    ({ process: this.host, said: this.stopped } = this.botyard(["start"]));
    await this.host.waitForLine((l) => l.msg === "botyard host ready", 20_000);
  }

  private botsYaml(): string {
    const store = this.store === "sqlite" ? "{ type: sqlite, path: .botyard/state.db }" : `{ type: redis, url: "\${REDIS_URL}", prefix: "${PREFIX}" }`;
    return `slack:
  appToken: \${SLACK_APP_TOKEN}
  botToken: \${SLACK_BOT_TOKEN}
  apiUrl: ${this.slack.apiUrl}
http: { port: 0, adminPort: ${this.adminPort} }
admin: { token: "\${BOTYARD_ADMIN_TOKEN}", port: ${this.adminEndpointPort} }
store: ${store}
log: { level: trace }
bots:
  - id: dogdata
    use: "@botyard/plugin-dogdata"
    config:
      channels: [C0ALERTS01]
      secret: \${DOGDATA_SECRET}
      secretHeader: X-Datadog-Key
      basicAuth: { username: datadog, password: "\${DOGDATA_PASSWORD}" }
  - id: release
    use: "@botyard/plugin-release"
    config:
      github: { token: "\${GITHUB_TOKEN}", baseUrl: ${this.github.url}, maxRetries: 0 }
      channel: C0RELEASE1
      repositories: [{ repo: acme/web, head: develop, base: main }]
      schedule: false
      remindSchedule: false
  # A token revoked since: GitHub answers 401.
  - id: release-old
    use: "@botyard/plugin-release"
    config:
      github: { token: "\${GITHUB_OLD_TOKEN}", baseUrl: ${this.github.url}, maxRetries: 0 }
      channel: C0RELEASE1
      repositories: [{ repo: acme/web }]
      schedule: false
      remindSchedule: false
      command: /release-old
      mention: false
  - id: oncall
    use: "@botyard/plugin-oncall"
    config:
      pagerduty: { token: "\${PAGERDUTY_TOKEN}", baseUrl: ${this.pagerduty.url} }
      syncs: [{ usergroup: oncall-sre, name: SRE, schedules: [PSRE001], announceChannel: C0SRETEAM1 }]
  # A key PagerDuty does not know: 401.
  - id: oncall-old
    use: "@botyard/plugin-oncall"
    config:
      pagerduty: { token: "\${PAGERDUTY_OLD_TOKEN}", baseUrl: ${this.pagerduty.url}, retries: 0 }
      syncs: [{ usergroup: oncall-old, schedules: [PSRE001] }]
      command: /oncall-old
      keyword: oncall-old
      answerWhoIsOnCall: false
  - id: deploy
    use: botyard-plugin-deploy
    config: { channel: C0DEPLOYS1, key: "\${DEPLOY_KEY}", token: "\${DEPLOY_TOKEN}", api: "https://deploy.example/v1?token=\${DEPLOY_TOKEN}" }
  - id: mirror
    use: botyard-plugin-mirror
    config: { endpoint: "https://mirror.example/api?token=\${MIRROR_TOKEN}" }
`;
  }

  /** A `botyard` process in the project; `said` resolves once it has exited and closed its output, which is then kept. */
  botyard(args: string[], options: { config?: string; env?: NodeJS.ProcessEnv } = {}): { process: HostProcess; said: Promise<Said> } {
    const config = options.config ?? "bots.yaml";
    const process = botyard({ args: [...args, "--config", config], env: { ...this.env, ...options.env }, cwd: this.project.dir });
    const name = `botyard ${args.join(" ")} --config ${config} (${this.store})`;
    // Raw, as an operator's log file would hold it.
    let stdout = "";
    process.child.stdout!.on("data", (chunk: string) => (stdout += chunk));
    const said = new Promise<Said>((resolve) =>
      process.child.once("close", (code: number | null) => {
        const stderr = process.stderr.join("");
        this.outputs.push({ where: `${name} stdout`, text: stdout }, { where: `${name} stderr`, text: stderr });
        resolve({ code, stdout, stderr });
      }),
    );
    return { process, said };
  }

  /** A CLI command run to its end. */
  cli(args: string[], options: { config?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Said> {
    return this.botyard(args, options).said;
  }

  async http(where: string, url: string, init?: RequestInit): Promise<Response> {
    const res = await fetch(url, init);
    this.outputs.push({ where: `${init?.method ?? "GET"} ${where} (${this.store})`, text: `${JSON.stringify([...res.headers])}\n${await res.clone().text()}` });
    return res;
  }

  /** The scenario: every secret in use, on success and failure paths. Resolves with each webhook's status. */
  async exercise(): Promise<Record<string, number>> {
    const { slack, github } = this;
    const hooks = `http://127.0.0.1:${await this.host.port()}/hooks`;
    const statuses: Record<string, number> = {};
    const post = async (name: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await this.http(name, `${hooks}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
      statuses[name] = res.status;
    };

    // On-call: the start-up sync filled the group from PagerDuty (the revoked key's failed).
    await slack.waitFor(() => slack.usergroup("oncall-sre")?.users.includes("U0ALICE"), 10_000);
    await slack.waitForConnection(1, 10_000);
    const asked = await slack.slashCommand({ command: "/oncall", user: "U0BOB", channel: "C0SRETEAM1" });

    // Datadog: its alerts in Slack, then recoveries over the webhook, by secret header and by basic auth.
    const datadog = slack.addBot({ name: "Datadog" });
    const cpu = { monitorId: "4242", scope: "host:web-1,env:prod", name: "CPU high on web" };
    const disk = { monitorId: "4343", scope: "host:db-1,env:prod", name: "Disk almost full" };
    const alerts = await Promise.all(
      [cpu, disk].map((a) => slack.postAs(datadog, { channel: "C0ALERTS01", text: "", attachments: datadogAttachments({ ...a, eventId: datadogEventId() }) })),
    );
    await post("dogdata, secret header", "/dogdata", webhookPayload({ ...cpu, transition: "Recovered" }), { "x-datadog-key": secrets.DOGDATA_SECRET! });
    await post("dogdata, basic auth", "/dogdata", webhookPayload({ ...disk, transition: "Recovered" }), { authorization: `Basic ${basic("datadog", secrets.DOGDATA_PASSWORD!)}` });
    await post("dogdata, wrong secret", "/dogdata", webhookPayload(cpu), { "x-datadog-key": `${secrets.DOGDATA_SECRET}-old` });
    await post("dogdata, wrong password", "/dogdata", webhookPayload(cpu), { authorization: `Basic ${basic("datadog", "not-the-password-at-all")}` });

    // Releases: one with the good token, one with the revoked one.
    await slack.slashCommand({ command: "/release", text: "web", user: "U0ALICE", channel: "C0RELEASE1" });
    const old = await slack.slashCommand({ command: "/release-old", text: "web", user: "U0ALICE", channel: "C0RELEASE1" });

    // The CI hook: key in a header, token in the query, a wrong key, a plain hook whose error
    // quotes the request, and a durable one whose error quotes the config: it waits for its retry
    // (its delivery in the store meanwhile), then becomes a dead letter.
    const both = `?token=${encodeURIComponent(secrets.DEPLOY_TOKEN!)}`;
    await post("deploy, key header", "/deploy", { id: "d1" }, { "x-deploy-key": secrets.DEPLOY_KEY! });
    await post("deploy, ?token=", `/deploy${both}`, { id: "d2" });
    await post("deploy, wrong key", "/deploy", { id: "d3" }, { "x-deploy-key": "a-key-from-last-year" });
    await post("deploy now, failing", `/deploy/now${both}`, {}, { "x-deploy-key": secrets.DEPLOY_KEY! });
    await post("deploy, failing", `/deploy${both}`, { id: "d4", fail: true }, { "x-deploy-key": secrets.DEPLOY_KEY! });
    await this.host.waitForLine((l) => l.msg === "job failed; will retry", 10_000);
    await this.state("while a delivery waits for its retry");

    await Promise.all([
      slack.waitFor(() => slack.responses(asked.responseUrlId).length > 0, 10_000),
      slack.waitFor(() => alerts.every((a) => slack.reactions("C0ALERTS01", a.ts).some((r) => r.name === "white_check_mark")), 10_000),
      slack.waitFor(() => github.repo("acme/web").pulls().some((p) => p.state === "open"), 10_000),
      slack.waitFor(() => slack.responses(old.responseUrlId).length > 0, 10_000),
      slack.waitFor(() => slack.messages("C0DEPLOYS1").length >= 2, 10_000),
      this.host.waitForLine((l) => typeof l.msg === "string" && l.msg.includes("dead-letter"), 10_000),
    ]);
    return statuses;
  }

  /** What the host serves about itself, and `botyard list` while it runs. */
  async inspect(): Promise<void> {
    const admin = `http://127.0.0.1:${this.adminPort}`;
    for (const path of ["/metrics", "/readyz", "/status", "/healthz"]) await this.http(path, `${admin}${path}`);
    // JSON: every reason whole (the table shows their first lines).
    this.listed = JSON.parse((await this.cli(["list", "--json"])).stdout) as { source: string };
    // The dead letters (payloads and errors whole) and a reload, through the admin endpoint.
    const { letters } = JSON.parse((await this.cli(["deadletters", "list", "--json"])).stdout) as { letters: Array<{ id: string }> };
    expect(letters.length).toBeGreaterThan(0);
    for (const letter of letters) await this.cli(["deadletters", "show", letter.id]);
    const reloaded = await this.cli(["reload"]);
    expect(reloaded.code, reloaded.stdout + reloaded.stderr).toBe(0);
  }

  /**
   * Start-ups refused, hosts ended by an exception nothing caught, a config wrong next to its
   * secrets, the schema, and the demo's log file.
   * Resolves with what each command said.
   */
  async refusals(): Promise<Record<"slack" | "wrongPassword" | "validate" | "schema" | "demo" | "crashStarting" | "crashRunning", Said>> {
    const memory = (bots: string) => `slack:
  appToken: \${SLACK_APP_TOKEN}
  botToken: \${SLACK_BOT_TOKEN}
  apiUrl: ${this.slack.apiUrl}
http: { port: 0 }
store: { type: memory }
log: { level: trace }
bots:
${bots}`;
    const deploy = `  - id: deploy\n    use: botyard-plugin-deploy\n    config: { channel: C0DEPLOYS1, key: "\${DEPLOY_KEY}", token: "\${DEPLOY_TOKEN}", api: "https://deploy.example/v1?token=\${DEPLOY_TOKEN}" }\n`;
    this.project.write("revoked-slack.yaml", memory(deploy));
    this.project.write("redis.yaml", memory(deploy).replace("{ type: memory }", `{ type: redis, url: "\${REDIS_URL}", prefix: "${PREFIX}" }`));
    this.project.write(
      "wrong.yaml",
      memory(`  - id: dogdata
    use: "@botyard/plugin-dogdata"
    config:
      channels: [alerts]
      secret: \${DOGDATA_SECRET}
      secretHeader: X Datadog Key
      basicAuth: { username: datadog, password: "\${DOGDATA_PASSWORD}", realm: datadog }
  - id: release
    use: "@botyard/plugin-release"
    config:
      github: { token: "\${GITHUB_TOKEN}", baseUrl: "github.example/api?access_token=\${GITHUB_TOKEN}" }
      channel: C0RELEASE1
      repositories: []
  - id: oncall
    use: "@botyard/plugin-oncall"
    config:
      pagerduty: { token: "\${PAGERDUTY_TOKEN}", timeoutMs: 5 }
      syncs: [{ usergroup: oncall-sre }]
  - id: deploy
    use: botyard-plugin-deploy
    config: { channel: C0DEPLOYS1, key: "\${DEPLOY_KEY}", token: 42 }
  - id: mirror
    use: botyard-plugin-mirror
    config: { endpoint: "https://mirror.example/api?token=\${MIRROR_TOKEN}" }
`).replace("{ type: memory }", `{ type: redis, url: "\${REDIS_URL}" }`),
    );
    // The demo wires its own Slack emulator in; PagerDuty and the plugins are this deployment's.
    this.project.write(
      "demo.yaml",
      `slack: { appToken: "\${SLACK_APP_TOKEN}", botToken: "\${SLACK_BOT_TOKEN}", apiUrl: "\${SLACK_API_URL}" }
http: { port: 0 }
log: { level: trace }
bots:
  - id: oncall
    use: "@botyard/plugin-oncall"
    config:
      pagerduty: { token: "\${PAGERDUTY_TOKEN}", baseUrl: ${this.pagerduty.url} }
      syncs: [{ usergroup: oncall-sre, schedules: [PSRE001] }]
${deploy}  - id: mirror
    use: botyard-plugin-mirror
    config: { endpoint: "https://mirror.example/api?token=\${MIRROR_TOKEN}" }
`,
    );
    for (const when of ["setup", "webhook"]) {
      this.project.write(`crash-${when}.yaml`, memory(`  - id: crasher\n    use: botyard-plugin-crasher\n    config: { token: "\${CRASH_TOKEN}", when: ${when} }\n`));
    }
    const crashOnceRunning = this.botyard(["start"], { config: "crash-webhook.yaml" });
    const crashed = crashOnceRunning.process
      .waitForLine((l) => l.msg === "botyard host ready")
      .then(async () => fetch(`http://127.0.0.1:${await crashOnceRunning.process.port()}/hooks/crasher`, { method: "POST" }).catch(() => undefined))
      .then(() => crashOnceRunning.said);
    const revoked = { SLACK_APP_TOKEN: secrets.SLACK_REVOKED_APP_TOKEN, SLACK_BOT_TOKEN: secrets.SLACK_REVOKED_BOT_TOKEN };
    const [slack, wrongPassword, validate, schema, demo, crashStarting, crashRunning] = await Promise.all([
      this.cli(["start"], { config: "revoked-slack.yaml", env: revoked }),
      this.cli(["start"], { config: "redis.yaml", env: { REDIS_URL: redisUrl(secrets.REDIS_WRONG_PASSWORD!) } }),
      this.cli(["validate"], { config: "wrong.yaml" }),
      this.cli(["schema"]),
      this.cli(["demo"], { config: "demo.yaml" }),
      this.cli(["start"], { config: "crash-setup.yaml" }),
      crashed,
    ]);
    this.outputs.push({ where: "the demo's log file", text: readFileSync(join(this.project.dir, ".botyard", "demo.log")) });
    return { slack: slack!, wrongPassword: wrongPassword!, validate: validate!, schema: schema!, demo: demo!, crashStarting: crashStarting!, crashRunning: crashRunning! };
  }

  /** Every key and value under the test's prefix, or the store's files as they are on disk. */
  async state(when: string): Promise<void> {
    if (this.store === "sqlite") {
      // The database, its -wal and -shm, and whatever else the host keeps beside them.
      const dir = join(this.project.dir, ".botyard");
      for (const file of readdirSync(dir)) this.outputs.push({ where: `${when}: ${file}`, text: readFileSync(join(dir, file)) });
      return;
    }
    const redis = new Redis(REDIS);
    try {
      const keys = await redis.keys(`${PREFIX}*`);
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === "string" ? await redis.get(key)
          : type === "hash" ? await redis.hgetall(key)
          : type === "list" ? await redis.lrange(key, 0, -1)
          : type === "set" ? await redis.smembers(key)
          : type === "zset" ? await redis.zrange(key, 0, -1, "WITHSCORES")
          : type === "stream" ? await redis.xrange(key, "-", "+")
          : `(${type})`;
        this.outputs.push({ where: `${when}: Redis key ${key}`, text: `${key} ${JSON.stringify(value)}` });
      }
      this.outputs.push({ where: `${when}: Redis key names`, text: keys.join("\n") });
    } finally {
      redis.disconnect();
    }
  }

  async close(): Promise<void> {
    this.host?.kill("SIGKILL");
    await Promise.all([this.slack?.close(), this.github?.close(), this.pagerduty?.close()]);
    this.project?.remove();
  }
}

function redisUrl(password: string): string {
  return `redis://${REDIS_USER}:${encodeURIComponent(password)}@127.0.0.1:6379`;
}

describe("secrets never leave the host", () => {
  const sqlite = new Deployment("sqlite");
  const redis = new Deployment("redis");
  let statuses: Array<Record<string, number>>;
  let refused: Awaited<ReturnType<Deployment["refusals"]>>;

  beforeAll(async () => {
    const admin = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await admin.connect();
      // The hosts' own user, as docs/security.md has operators make it: its keys only, no
      // dangerous commands, behind a password.
      await admin.call("ACL", "SETUSER", REDIS_USER, "on", `>${REDIS_PASSWORD}`, `~${PREFIX}*`, "+@all", "-@dangerous");
    } catch (error) {
      throw new Error(`This test needs Redis on 127.0.0.1:6379 (redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no): ${(error as Error).message}`);
    } finally {
      admin.disconnect();
    }
    await Promise.all([sqlite.start(), redis.start()]);
    statuses = await Promise.all([sqlite.exercise(), redis.exercise()]);
    await Promise.all([sqlite.inspect(), sqlite.state("running"), redis.state("running")]);
    // The CLI's other paths wait until the hosts are done with timing: 2 cores, many processes.
    [refused] = await Promise.all([sqlite.refusals(), ...[sqlite, redis].map((d) => d.host.stop().then(() => d.stopped))]);
    // Stopped: SQLite has checkpointed its WAL, and `botyard list` falls back to the config.
    await Promise.all([sqlite.state("stopped"), redis.state("stopped"), sqlite.cli(["list"])]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([sqlite.close(), redis.close()]);
    const admin = new Redis(REDIS);
    const keys = await admin.keys(`${PREFIX}*`);
    if (keys.length) await admin.del(...keys);
    await admin.call("ACL", "DELUSER", REDIS_USER);
    admin.disconnect();
  });

  const log = (d: Deployment) => d.outputs.filter((o) => o.where.startsWith("botyard start --config bots.yaml") && o.where.endsWith("stdout")).map((o) => String(o.text)).join("");

  it("went through every success and failure path it claims to", () => {
    for (const seen of statuses) {
      expect(seen).toEqual({
        "dogdata, secret header": 202,
        "dogdata, basic auth": 202,
        "dogdata, wrong secret": 401,
        "dogdata, wrong password": 401,
        "deploy, key header": 202,
        "deploy, ?token=": 202,
        "deploy, wrong key": 401,
        "deploy now, failing": 500,
        "deploy, failing": 202,
      });
    }
    for (const d of [sqlite, redis]) {
      const text = log(d);
      expect(text).toMatch(/"level":10,/);
      // Octokit's error, request headers and all.
      expect(text).toContain('"authorization":"token [REDACTED]"');
      expect(text).toContain("GitHub rejected the token (401 Bad credentials)");
      expect(text).toContain("PagerDuty rejected the API key (HTTP 401");
      expect(text).toContain('"error":"channel_not_found"');
      expect(text).toContain("the deploy API refused key [REDACTED] and token [REDACTED]");
      expect(text).toContain("cannot mirror to https://mirror.example/api?token=[REDACTED]");
    }
    // A plugin's metric labelled with an endpoint whose URL holds a token.
    expect(String(sqlite.outputs.find((o) => o.where === "GET /metrics (sqlite)")?.text)).toContain('botyard_plugin_deploy_requests_total{bot="deploy",api="https://deploy.example/v1?token=');
    expect(sqlite.listed?.source).toBe(`host at 127.0.0.1:${sqlite.adminPort}`);
    expect(refused.slack).toMatchObject({ code: 1, stderr: expect.stringContaining("Slack refused the bot token (invalid_auth)") });
    expect(refused.wrongPassword).toMatchObject({ code: 1, stderr: expect.stringMatching(/Cannot connect to the Redis store at redis:\/\/botyard-leak-[\w-]+:\*\*\*@127\.0\.0\.1:6379.*WRONGPASS/) });
    expect(refused.validate.code).toBe(1);
    for (const path of ["bots[0].config.channels[0]", "bots[0].config.secretHeader", "bots[1].config.github.baseUrl", "bots[2].config.pagerduty.timeoutMs", "bots[3].config.token", "cannot mirror to https://mirror.example/api?token=[REDACTED]"]) {
      expect(refused.validate.stderr).toContain(path);
    }
    expect(refused.crashStarting).toMatchObject({ code: 1, stderr: expect.stringContaining("botyard start: uncaught exception\nError: sync failed with token [REDACTED]") });
    expect(refused.crashRunning).toMatchObject({ code: 1, stdout: expect.stringMatching(/"level":60,.*"message":"sync failed with token \[REDACTED\]".*"msg":"uncaught exception in bot code: exiting"/) });
    expect(refused.schema).toMatchObject({ code: 0, stdout: expect.stringContaining('"title": "Botyard bots.yaml"') });
    expect(String(sqlite.outputs.find((o) => o.where === "the demo's log file")?.text)).toContain("cannot mirror to https://mirror.example/api?token=[REDACTED]");
  });

  it("finds a secret where one is: in what the emulators received, in each spelling", () => {
    const received = JSON.stringify([...sqlite.github.calls, ...sqlite.pagerduty.calls].map((c) => c.headers));
    expect(leaks("received", received, secrets).sort()).toEqual(["GITHUB_OLD_TOKEN", "GITHUB_TOKEN", "PAGERDUTY_OLD_TOKEN", "PAGERDUTY_TOKEN"].map((n) => `received: ${n} as raw`));
    const sent = [
      `/hooks/deploy?key=${encodeURIComponent(secrets.DEPLOY_KEY!)}`,
      new URLSearchParams({ token: secrets.DEPLOY_TOKEN! }).toString(),
      `x-datadog-key: ${Buffer.from(secrets.DOGDATA_SECRET!).toString("base64")}`,
      `authorization: Basic ${basic("datadog", secrets.DOGDATA_PASSWORD!)}`,
    ].join("\n");
    expect(leaks("sent", sent, { ...secrets, "dogdata basic auth": basic("datadog", secrets.DOGDATA_PASSWORD!) })).toEqual([
      "sent: DOGDATA_SECRET as base64",
      "sent: DEPLOY_KEY as URL-encoded",
      "sent: DEPLOY_TOKEN as form-encoded",
      "sent: dogdata basic auth as raw",
    ]);
  });

  it("writes no secret, in any spelling, anywhere: output, log file, HTTP answers, CLI, state", () => {
    const found: string[] = [];
    for (const d of [sqlite, redis]) {
      const known = {
        ...secrets,
        SLACK_APP_TOKEN: d.slack.appToken,
        SLACK_BOT_TOKEN: d.slack.botToken,
        "dogdata basic auth": basic("datadog", secrets.DOGDATA_PASSWORD!),
        "Redis user:password": basic(REDIS_USER, REDIS_PASSWORD),
      };
      for (const { where, text } of d.outputs) found.push(...leaks(where, text, known));
    }
    expect(found).toEqual([]);
    // Searched where it claims to have searched.
    const where = [...sqlite.outputs, ...redis.outputs].map((o) => o.where);
    for (const expected of [
      /^while a delivery waits for its retry: state\.db-wal$/,
      /^stopped: state\.db$/,
      /^while a delivery waits for its retry: Redis key .*:job:/,
      /^stopped: Redis key .*deadletter/,
      /^GET \/metrics \(sqlite\)$/,
      /^GET \/readyz \(sqlite\)$/,
      /^botyard list --json --config bots\.yaml \(sqlite\) stdout$/,
      /^botyard list --config bots\.yaml \(sqlite\) stdout$/,
      /^botyard validate --config wrong\.yaml \(sqlite\) stderr$/,
      /^the demo's log file$/,
    ]) {
      expect(where.filter((w) => expected.test(w)).length, String(expected)).toBeGreaterThan(0);
    }
  });
});
