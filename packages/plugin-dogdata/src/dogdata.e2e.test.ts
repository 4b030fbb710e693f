import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SlackEmulator } from "@botyard/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
// The host's own e2e helpers (the built `botyard` process, a throwaway project beside it).
import { TempProject } from "@botyard/test-support";
import { HostProcess } from "@botyard/testing";
import { datadogAttachments, datadogEventId, webhookPayload } from "./samples/datadog-samples.js";

const PLUGIN_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
// This repository's built host (a dev dependency would make the host and this plugin depend on each other).
const HOST_DIR = join(PLUGIN_DIR, "../../apps/host");
const SECRET = "e2e-secret-0123456789abcdef";
const ALERTS = "C00ALERTS";

// The plugin as users run it: installed beside bots.yaml, loaded by the built `botyard start`,
// Datadog's alert over Socket Mode, its webhook over HTTP, state in SQLite.
describe("dogdata through the host process", () => {
  let slack: SlackEmulator;
  let project: TempProject;
  let host: HostProcess | undefined;

  beforeEach(async () => {
    slack = await SlackEmulator.start();
    slack.createChannel("alerts", { id: ALERTS });
    // A user's project: the host and this plugin installed beside bots.yaml.
    project = new TempProject({ "@botyard/host": HOST_DIR, "@botyard/plugin-dogdata": PLUGIN_DIR });
  });

  afterEach(async () => {
    host?.kill("SIGKILL");
    await slack.close();
    project.remove();
  });

  /** `botyard start` with the plugin on SQLite (the same file across restarts); resolves once it is ready, with its webhook URL. */
  async function startHost(hostConfig = ""): Promise<string> {
    project.write(
      "bots.yaml",
      `slack:
  appToken: \${SLACK_APP_TOKEN}
  botToken: \${SLACK_BOT_TOKEN}
  apiUrl: ${slack.apiUrl}
http: { port: 0, bodyLimitBytes: 65536 }
store: { type: sqlite, path: .botyard/state.db }
${hostConfig}
bots:
  - id: dogdata
    use: "@botyard/plugin-dogdata"
    config:
      channels: [${ALERTS}]
      secret: \${DOGDATA_SECRET}
`,
    );
    host = new HostProcess({
      args: ["start", "--config", "bots.yaml"],
      env: { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, DOGDATA_SECRET: SECRET, BOTYARD_SOCKET_PING_TIMEOUT_MS: "200" },
      cwd: project.dir,
    });
    const hook = `http://127.0.0.1:${await host.port()}/hooks/dogdata`;
    await host.waitForLine((l) => l.msg === "botyard host ready");
    return hook;
  }

  it("threads a Recovered under Datadog's Triggered with a check, and refuses bad requests at the door", async () => {
    const hook = await startHost();
    const post = (body: string, headers: Record<string, string> = { "x-botyard-secret": SECRET }) =>
      fetch(hook, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

    const alert = { monitorId: "4242", scope: "host:web-1,env:prod", name: "CPU high on web" };
    const triggered = datadogEventId();
    const datadog = slack.addBot({ name: "Datadog" });
    const { ts } = await slack.postAs(datadog, { channel: ALERTS, text: "", attachments: datadogAttachments({ ...alert, eventId: triggered }) });

    expect((await post(JSON.stringify(webhookPayload({ ...alert, eventId: triggered, cycleKey: "e2e" })))).status).toBe(202);
    const recovery = JSON.stringify(webhookPayload({ ...alert, transition: "Recovered", cycleKey: "e2e" }));
    const accepted = await post(recovery);
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ ok: true, accepted: true });

    await slack.waitFor(() => slack.reactions(ALERTS, ts).some((r) => r.name === "white_check_mark"), 10_000);
    expect(slack.replies(ALERTS, ts).map((m) => m.text)).toEqual([expect.stringMatching(/^:white_check_mark: \*Recovered\* after \d+s: CPU high on web on \{env:prod, host:web-1\}/)]);
    // Datadog retries the delivery: acknowledged as a duplicate, not answered twice.
    expect(await (await post(recovery)).json()).toMatchObject({ duplicate: true });

    // Refused before anything happens: no secret, malformed JSON, too large, not Datadog's payload.
    expect((await post(recovery, {})).status).toBe(401);
    expect((await post(recovery, { "x-botyard-secret": "wrong" })).status).toBe(401);
    expect((await post("{ not json")).status).toBe(400);
    expect((await post(JSON.stringify({ ...JSON.parse(recovery), body: "x".repeat(70_000) }))).status).toBe(413);
    const refused = await post("[1, 2]");
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: "invalid_payload", field: "(body)", docs: expect.stringMatching(/\/docs\/plugins\/dogdata\.md#the-webhook-payload$/) });

    await new Promise((r) => setTimeout(r, 200));
    expect(slack.replies(ALERTS, ts)).toHaveLength(1);
    expect(slack.messages(ALERTS)).toHaveLength(1);

    host!.kill("SIGTERM");
    expect(await host!.exited).toEqual({ code: 0, signal: null });
  });

  it("answers every accepted delivery exactly once when the host is killed mid-processing and started again", async () => {
    // Four deliveries in hand at a time; a claim the dead host held comes back 2 s after its last renewal.
    const queue = "queue: { concurrency: 4, leaseMs: 2000 }";
    const hook = await startHost(queue);
    const datadog = slack.addBot({ name: "Datadog" });
    const alerts = Array.from({ length: 10 }, (_, i) => ({ monitorId: String(5000 + i), scope: `host:web-${i}`, name: `Disk full ${i}` }));
    const posted: string[] = [];
    for (const alert of alerts) {
      const message = await slack.postAs(datadog, { channel: ALERTS, text: "", attachments: datadogAttachments(alert) });
      for (const event of message.events) await slack.waitForAck(event.eventId);
      posted.push(message.ts);
    }
    const replies = () => posted.map((ts) => slack.replies(ALERTS, ts).length);
    const checks = () => posted.map((ts) => slack.reactions(ALERTS, ts).length);

    // Processing is held at the check: the deliveries in hand have replied and wait for their
    // reaction when the host dies. (Slack would still apply a call the dead process had sent; these
    // land long after the test, so every check seen below is the restarted host's.)
    slack.setLatency("reactions.add", 60_000);
    for (const alert of alerts) {
      const accepted = await fetch(hook, {
        method: "POST",
        headers: { "content-type": "application/json", "x-botyard-secret": SECRET },
        body: JSON.stringify(webhookPayload({ ...alert, transition: "Recovered" })),
      });
      expect(accepted.status).toBe(202);
    }
    await slack.waitFor(() => slack.callsTo("chat.postMessage").length === 4, 10_000);
    host!.kill("SIGKILL");
    expect(await host!.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(replies()).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(checks()).toEqual(alerts.map(() => 0));

    // Started again on the same SQLite file: what the dead host never took is handled at once; what
    // it was in the middle of comes back when its claim runs out, and is finished without a second reply.
    slack.setLatency("reactions.add", 0);
    await startHost(queue);
    await slack.waitFor(() => checks().every((n) => n > 0), 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(replies()).toEqual(alerts.map(() => 1));
    expect(posted.map((ts) => slack.reactions(ALERTS, ts).map((r) => r.name))).toEqual(alerts.map(() => ["white_check_mark"]));
    expect(slack.calls.filter((c) => c.operation === "chat.postMessage" && c.status === 200)).toHaveLength(alerts.length);
    expect(host!.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it("after a crash with 50 recoveries in hand while Slack rate-limits, answers all 50 exactly once within the lease plus 5 s of the restart", async () => {
    const leaseMs = 2_000;
    const queue = `queue: { leaseMs: ${leaseMs} }`;
    const hook = await startHost(queue);
    const datadog = slack.addBot({ name: "Datadog" });
    const alerts = Array.from({ length: 50 }, (_, i) => ({ monitorId: String(7000 + i), scope: `host:db-${i}`, name: `Replication lag ${i}` }));
    const posted: string[] = [];
    for (const alert of alerts) {
      const message = await slack.postAs(datadog, { channel: ALERTS, text: "", attachments: datadogAttachments(alert) });
      for (const event of message.events) await slack.waitForAck(event.eventId);
      posted.push(message.ts);
    }
    // Slack answers 429 to every reply for as long as the first host lives: its deliveries stay in hand.
    slack.rateLimit("chat.postMessage", { times: 1_000_000, retryAfterSec: 1 });
    for (const alert of alerts) {
      const accepted = await fetch(hook, {
        method: "POST",
        headers: { "content-type": "application/json", "x-botyard-secret": SECRET },
        body: JSON.stringify(webhookPayload({ ...alert, transition: "Recovered" })),
      });
      expect(accepted.status).toBe(202);
    }
    // Every delivery the host took (queue.concurrency, 32) has tried to reply and is waiting out Retry-After.
    await slack.waitFor(() => new Set(slack.callsTo("chat.postMessage").map((c) => c.args.thread_ts)).size >= 32, 10_000);
    host!.kill("SIGKILL");
    await host!.exited;
    slack.clearFaults();

    const restarted = Date.now();
    await startHost(queue);
    const replies = () => posted.map((ts) => slack.replies(ALERTS, ts).length);
    await slack.waitFor(() => replies().every((n) => n > 0), leaseMs + 10_000);
    const answeredWithinMs = Date.now() - restarted;
    await new Promise((r) => setTimeout(r, 500));
    expect(replies()).toEqual(alerts.map(() => 1));
    expect(slack.calls.filter((c) => c.operation === "chat.postMessage" && c.status === 200)).toHaveLength(alerts.length);
    expect(answeredWithinMs).toBeLessThanOrEqual(leaseMs + 5_000);
    // Waiting for a claim to come back is not an error an operator should read as an outage.
    expect(host!.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    console.info(`crash with 50 in hand: all 50 answered once, ${answeredWithinMs} ms after the restart (lease ${leaseMs} ms)`);
  }, 40_000);

  it("does not reply twice when the host was killed after Slack took the reply and before it heard back", async () => {
    const queue = "queue: { leaseMs: 2000 }";
    const hook = await startHost(queue);
    const datadog = slack.addBot({ name: "Datadog" });
    const alert = { monitorId: "8100", scope: "host:cache-1", name: "Evictions high" };
    const message = await slack.postAs(datadog, { channel: ALERTS, text: "", attachments: datadogAttachments(alert) });
    for (const event of message.events) await slack.waitForAck(event.eventId);
    // Slack posts the reply, and its answer never reaches the host before the host dies.
    slack.answerLate("chat.postMessage", 60_000);
    const accepted = await fetch(hook, {
      method: "POST",
      headers: { "content-type": "application/json", "x-botyard-secret": SECRET },
      body: JSON.stringify(webhookPayload({ ...alert, transition: "Recovered" })),
    });
    expect(accepted.status).toBe(202);
    await slack.waitFor(() => slack.replies(ALERTS, message.ts).length === 1, 10_000);
    host!.kill("SIGKILL");
    await host!.exited;
    slack.clearFaults();

    // The restarted host redelivers the job; ctx.once's probe finds the reply in the thread.
    await startHost(queue);
    await slack.waitFor(() => slack.reactions(ALERTS, message.ts).some((r) => r.name === "white_check_mark"), 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.replies(ALERTS, message.ts)).toHaveLength(1);
    expect(host!.lines.some((l) => String(l.msg).startsWith("ctx.once: an attempt that died had done the effect"))).toBe(true);
  }, 40_000);
});
