import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { createStore } from "@botyard/host";
import { GitHubEmulator, HostProcess, PagerDutyEmulator, SlackEmulator, freePort, type SlackBotIdentity } from "@botyard/testing";
import { TcpProxy, TempProject } from "@botyard/test-support";
import { REPO, until200 } from "../host-process.js";

export const CHANNELS = { soak: "C0SOAK001", out: "C0SOAKOUT", alerts: "C0ALERTS1", releases: "C0RELEASE", sre: "C0SRETEAM" } as const;
export const DOGDATA_SECRET = "soak-dogdata-secret-0123456789";
const GITHUB_TOKEN = "ghp_soak_release_token";
const REDIS = { host: "127.0.0.1", port: 6379 };
const LAUNCHER = join(REPO, "bench/dist/fixtures/gc-probed-host.js");
const SOAK_PLUGIN = join(REPO, "bench/dist/fixtures/soak-plugin.js");

/** A `botyard start` replica: its fixed port (senders keep one address across a restart) and its current process. */
export interface Replica {
  index: number;
  port: number;
  url: string;
  process: HostProcess;
  /** Every process this replica has had, oldest first. */
  processes: HostProcess[];
}

/**
 * Everything a soak variant runs against: the Slack, GitHub and PagerDuty emulators seeded as a
 * small company's workspace, a project with a bots.yaml of the three plugins and the soak's no-op
 * plugin, and its `botyard start` replicas (one on SQLite, or two on Redis behind a TCP proxy the
 * soak can hold to make Redis stop answering).
 */
export class SoakWorld {
  readonly project = new TempProject();
  readonly journal = join(this.project.dir, "journal.log");
  readonly gcLog = join(this.project.dir, "gc.log");
  readonly replicas: Replica[] = [];
  readonly redisPrefix = `botyard-soak-${randomUUID().slice(0, 8)}:`;
  proxy: TcpProxy | undefined;
  datadog!: SlackBotIdentity;

  private constructor(
    readonly store: "sqlite" | "redis",
    /** How often each host runs a full GC and logs the heap it leaves (see fixtures/gc-probed-host.ts). */
    readonly fullGcEveryMs: number,
    readonly slack: SlackEmulator,
    readonly github: GitHubEmulator,
    readonly pagerduty: PagerDutyEmulator,
  ) {}

  static async start(store: "sqlite" | "redis", fullGcEveryMs: number): Promise<SoakWorld> {
    const [slack, github, pagerduty] = await Promise.all([SlackEmulator.start(), GitHubEmulator.start(), PagerDutyEmulator.start()]);
    const world = new SoakWorld(store, fullGcEveryMs, slack, github, pagerduty);
    await world.seed();
    return world;
  }

  private async seed(): Promise<void> {
    const { slack, github, pagerduty } = this;
    slack.createChannel("soak", { id: CHANNELS.soak });
    slack.createChannel("soak-out", { id: CHANNELS.out });
    slack.createChannel("alerts", { id: CHANNELS.alerts });
    slack.createChannel("releases", { id: CHANNELS.releases });
    slack.createChannel("sre", { id: CHANNELS.sre });
    slack.addUser({ id: "U0ALICE", name: "alice", realName: "Alice Archer", email: "alice@example.com" });
    slack.addUser({ id: "U0BOB", name: "bob", realName: "Bob Baker", email: "bob@example.com" });
    slack.addUsergroup({ handle: "oncall-sre", name: "SRE on call" });
    this.datadog = slack.addBot({ name: "Datadog" });

    github.addUser({ login: "release-bot" });
    github.addToken(GITHUB_TOKEN, { login: "release-bot" });
    github.addUser({ login: "alice", email: "alice@example.com" });
    github.addUser({ login: "bob", email: "bob@example.com" });
    const web = github.createRepo("acme/web");
    web.createBranch("develop", "main");
    web.featureMerge("develop", { title: "Add the login page", author: "alice", method: "merge", commits: 2 });

    const alice = pagerduty.addUser({ name: "Alice Archer", email: "alice@example.com" });
    pagerduty.addSchedule({ id: "PSRE001", name: "SRE primary" });
    pagerduty.setOnCall("PSRE001", [{ userId: alice.id, start: new Date(Date.now() - 3_600_000), end: new Date(Date.now() + 24 * 3_600_000) }]);

    if (this.store === "redis") {
      this.proxy = new TcpProxy(REDIS);
      await this.proxy.start();
    }
  }

  /** The bots.yaml of one replica (they differ only in the port). */
  private botsYaml(port: number): string {
    const store = this.proxy ? `{ type: redis, url: "redis://127.0.0.1:${this.proxy.port}", prefix: "${this.redisPrefix}" }` : "{ type: sqlite, path: state/botyard.db }";
    const plugin = (name: string) => join(REPO, "packages", name);
    return `slack:
  appToken: ${this.slack.appToken}
  botToken: ${this.slack.botToken}
  apiUrl: ${this.slack.apiUrl}
http: { port: ${port}, host: 127.0.0.1 }
store: ${store}
log: { level: info }
bots:
  - id: dogdata
    use: ${plugin("plugin-dogdata")}
    config:
      channels: [${CHANNELS.alerts}]
      secret: ${DOGDATA_SECRET}
      notFound: { afterSeconds: 20 }
  - id: release
    use: ${plugin("plugin-release")}
    config:
      github: { token: ${GITHUB_TOKEN}, baseUrl: ${this.github.url} }
      channel: ${CHANNELS.releases}
      repositories: [{ repo: acme/web, head: develop, base: main, reviewers: [alice, bob] }]
      schedule: "* * * * * *"
      remindSchedule: "30 * * * * *"
  - id: oncall
    use: ${plugin("plugin-oncall")}
    config:
      pagerduty: { token: ${this.pagerduty.token}, baseUrl: ${this.pagerduty.url} }
      syncs: [{ usergroup: oncall-sre, name: SRE, schedules: [PSRE001], announceChannel: ${CHANNELS.sre} }]
      interval: "* * * * * *"
  - id: soak
    use: ${SOAK_PLUGIN}
    config: { channel: ${CHANNELS.soak}, out: ${CHANNELS.out}, journal: ${JSON.stringify(this.journal)} }
`;
  }

  /** Starts `count` replicas, each on a port of its own, and waits until each is ready and connected. */
  async startReplicas(count: number): Promise<void> {
    for (let index = 0; index < count; index++) {
      const port = await freePort();
      this.project.write(`bots-${index}.yaml`, this.botsYaml(port));
      const process = this.spawn(index);
      this.replicas.push({ index, port, url: `http://127.0.0.1:${port}`, process, processes: [process] });
    }
    await Promise.all(this.replicas.map((r) => ready(r.process, r.url)));
    await this.slack.waitForConnection(count, 30_000);
  }

  /** SIGKILL, then the same replica started again at once, as a supervisor would; resolves once it is ready. */
  async killAndRestart(replica: Replica): Promise<{ pid: number; killedAt: number; readyMs: number }> {
    const { pid } = replica.process;
    replica.process.kill("SIGKILL");
    const killedAt = Date.now();
    await replica.process.exited;
    replica.process = this.spawn(replica.index);
    replica.processes.push(replica.process);
    await ready(replica.process, replica.url);
    return { pid, killedAt, readyMs: Date.now() - killedAt };
  }

  private spawn(index: number): HostProcess {
    return new HostProcess({
      script: LAUNCHER,
      args: ["start", "--config", `bots-${index}.yaml`],
      cwd: this.project.dir,
      // A late pong on a loaded machine is a reconnect, not a busy loop; quick enough to come back.
      env: {
        SOAK_GC_LOG: this.gcLog,
        SOAK_FULL_GC_MS: String(this.fullGcEveryMs),
        BOTYARD_SOCKET_PING_TIMEOUT_MS: "2000",
        // To look into a slope: SOAK_HOST_NODE_OPTIONS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/heap", then kill -USR2 <pid>.
        ...(process.env.SOAK_HOST_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SOAK_HOST_NODE_OPTIONS } : {}),
      },
    });
  }

  /** SIGTERM to every replica; each one's exit. */
  async stopReplicas(): Promise<Array<{ code: number | null; signal: NodeJS.Signals | null }>> {
    return Promise.all(this.replicas.map((r) => r.process.stop(60_000)));
  }

  async close(): Promise<void> {
    for (const r of this.replicas) r.process.kill("SIGKILL");
    await Promise.all(this.replicas.map((r) => r.process.exited));
    if (this.proxy) {
      this.proxy.hold(false);
      await this.proxy.stop();
      const store = (await createStore({ type: "redis", url: `redis://${REDIS.host}:${REDIS.port}`, prefix: this.redisPrefix }, this.project.dir)) as { clear?: () => Promise<number>; close(): Promise<void> };
      try {
        await store.clear?.();
      } finally {
        await store.close();
      }
    }
    await Promise.all([this.slack.close(), this.github.close(), this.pagerduty.close()]);
    this.project.remove();
  }
}

async function ready(process: HostProcess, url: string): Promise<void> {
  await process.waitForLine((l) => l.msg === "botyard host ready", 60_000);
  await until200(`${url}/readyz`, 60_000);
}
