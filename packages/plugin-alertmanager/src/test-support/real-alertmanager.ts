import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@botyard/testing";

/** Debian's name for the Alertmanager binary (package prometheus-alertmanager). */
export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? "/usr/bin/prometheus-alertmanager";

export interface WebhookTarget {
  url: string;
  token: string;
}

/**
 * A real Prometheus Alertmanager, started for one test: its webhook receivers point at Botyard,
 * groups are sent after about a second (group_wait, group_interval), resolutions too. Fails loudly
 * when the binary is missing: these tests are about the real thing.
 */
export class RealAlertmanager {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly log: string[],
  ) {}

  static async start(targets: WebhookTarget[]): Promise<RealAlertmanager> {
    if (!existsSync(ALERTMANAGER_BIN)) {
      throw new Error(`${ALERTMANAGER_BIN} is missing: install it with \`apt-get install -y --no-install-recommends prometheus-alertmanager\` (or set ALERTMANAGER_BIN). This test needs the real Alertmanager and never skips.`);
    }
    const dir = mkdtempSync(join(tmpdir(), "botyard-am-"));
    const port = await freePort();
    const webhooks = targets
      .map(
        (t) => `      - url: ${JSON.stringify(t.url)}
        send_resolved: true
        http_config:
          authorization: { type: Bearer, credentials: ${JSON.stringify(t.token)} }`,
      )
      .join("\n");
    writeFileSync(
      join(dir, "am.yml"),
      `route:
  receiver: botyard
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: botyard
    webhook_configs:
${webhooks}
`,
    );
    const log: string[] = [];
    const child = spawn(
      ALERTMANAGER_BIN,
      [`--config.file=${join(dir, "am.yml")}`, `--storage.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address=", "--log.level=debug"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (d: Buffer) => log.push(d.toString()));
    child.stderr?.on("data", (d: Buffer) => log.push(d.toString()));
    const am = new RealAlertmanager(child, dir, `http://127.0.0.1:${port}`, log);
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Alertmanager exited (${child.exitCode}) at start:\n${log.join("")}`);
      try {
        if ((await fetch(`${am.url}/-/ready`)).ok) return am;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`Alertmanager did not get ready in 15 s:\n${log.join("")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** POST /api/v2/alerts: fires them (no endsAt), or resolves them (`endsAt` in the past). */
  async push(alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string }>): Promise<void> {
    const response = await fetch(`${this.url}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alerts.map((a) => ({ generatorURL: "http://prometheus.example:9090/graph", annotations: {}, ...a }))),
    });
    if (!response.ok) throw new Error(`Alertmanager refused the alerts: ${response.status} ${await response.text()}`);
  }

  output(): string {
    return this.log.join("");
  }

  stop(): void {
    this.child.kill("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}
