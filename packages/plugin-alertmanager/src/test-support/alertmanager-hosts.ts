import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TempProject } from "@botyard/test-support";
import { HostProcess, SlackEmulator, type SlackMessage } from "@botyard/testing";

const PLUGIN_DIR = join(dirname(fileURLToPath(import.meta.url)), "../..");
// This repository's built host (a dev dependency would make the host and this plugin depend on each other).
const HOST_DIR = join(PLUGIN_DIR, "../../apps/host");
export const E2E_TOKEN = "e2e-bearer-token-0123456789abcdef";
export const E2E_ALERTS = "C00ALERTS";
export const REDIS_URL = "redis://127.0.0.1:6379";

/**
 * `botyard start` processes running the alertmanager plugin as users install it (beside bots.yaml),
 * Slack emulated: the e2e tests' host side, in their words. Hosts started again share the project,
 * so a SQLite store file outlives a killed host.
 */
export class AlertmanagerHosts {
  hosts: HostProcess[] = [];

  private constructor(
    readonly slack: SlackEmulator,
    readonly project: TempProject,
  ) {}

  static async create(): Promise<AlertmanagerHosts> {
    const slack = await SlackEmulator.start();
    slack.createChannel("alerts", { id: E2E_ALERTS });
    return new AlertmanagerHosts(slack, new TempProject({ "@botyard/host": HOST_DIR, "@botyard/plugin-alertmanager": PLUGIN_DIR }));
  }

  /** Starts `count` hosts on `store` (bots.yaml's `store:` value); resolves with their webhook URLs once all are ready. */
  async start(count: number, store: string, hostConfig = ""): Promise<string[]> {
    this.project.write(
      "bots.yaml",
      `slack:
  appToken: \${SLACK_APP_TOKEN}
  botToken: \${SLACK_BOT_TOKEN}
  apiUrl: ${this.slack.apiUrl}
http: { port: 0 }
store: ${store}
${hostConfig}
bots:
  - id: am
    use: "@botyard/plugin-alertmanager"
    config:
      channel: ${E2E_ALERTS}
      bearerToken: \${AM_TOKEN}
`,
    );
    const env = { SLACK_APP_TOKEN: this.slack.appToken, SLACK_BOT_TOKEN: this.slack.botToken, AM_TOKEN: E2E_TOKEN, REDIS_URL, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" };
    this.hosts = Array.from({ length: count }, () => new HostProcess({ args: ["start", "--config", "bots.yaml"], env, cwd: this.project.dir }));
    const ports = await Promise.all(this.hosts.map((h) => h.port()));
    await Promise.all(this.hosts.map((h) => h.waitForLine((l) => l.msg === "botyard host ready")));
    return ports.map((p) => `http://127.0.0.1:${p}/hooks/am`);
  }

  tops(): SlackMessage[] {
    return this.slack.messages(E2E_ALERTS);
  }

  topOf(name: string): SlackMessage | undefined {
    return this.tops().find((m) => m.text.includes(name));
  }

  replies(m: SlackMessage | undefined): string[] {
    return m ? this.slack.replies(E2E_ALERTS, m.ts).map((r) => r.text) : [];
  }

  checked(m: SlackMessage | undefined): boolean {
    return !!m && this.slack.reactions(E2E_ALERTS, m.ts).some((r) => r.name === "white_check_mark");
  }

  /** `slack.waitFor`, failing with what the channel holds, the hosts' last output and `more` (what a reader of a failure needs). */
  async waitFor(condition: () => boolean, timeoutMs: number, more: () => string = () => ""): Promise<void> {
    await this.slack.waitFor(condition, timeoutMs).catch((error: unknown) => {
      const seen = this.tops().map((m) => ({ text: m.text, checked: this.checked(m), replies: this.replies(m) }));
      throw new Error(`${(error as Error).message}\nchannel: ${JSON.stringify(seen, null, 1)}\n${more()}\nhost:\n${this.hosts.map((h) => h.output.slice(-4000)).join("\n---\n")}`);
    });
  }

  killAll(): void {
    for (const h of this.hosts) h.kill("SIGKILL");
    this.hosts = [];
  }

  async close(): Promise<void> {
    this.killAll();
    await this.slack.close();
    this.project.remove();
  }
}
