import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { MetricSample } from "@botyard/core";
import { loadConfig, startHost } from "@botyard/host";
import { SlackEmulator } from "@botyard/testing";
import type { BenchOptions, BenchResult } from "../bench-result.js";
import { REPO } from "../host-process.js";
// What Alertmanager sends, shared with the plugin's tests.
import { alertmanagerPayload, type SampleAlert } from "@botyard/plugin-alertmanager/samples";

const PLUGIN_DIR = join(REPO, "packages/plugin-alertmanager");
const TOKEN = "bench-bearer-token-0123456789";
/** Slack's posting rate: about one message per second per channel (docs.slack.dev/apis/web-api/rate-limits). */
const SLACK_POST_INTERVAL_MS = 1_000;
/** Alertmanager sends a group's growing (then shrinking) state in this many notifications each way. */
const BATCHES = 4;

/**
 * The alertmanager plugin (issue 21): an alert storm against the Slack emulator with Slack's
 * per-channel posting rate applied (a second post within a second in a channel is answered 429).
 * 1,000 alerts in 50 groups over 5 channels fire, then resolve; Alertmanager's notifications are
 * cumulative (every send carries the whole group), 4 per group firing and 4 resolving, all sent at
 * once. Measured: Slack calls per alert change, time until every group's message shows resolved
 * with its check, and beside it the least time Slack's rate allows (each group needs at least its
 * message and one reply: 2 posts per group, one a second per channel).
 */
export default async function alertmanagerSuite(options: BenchOptions): Promise<BenchResult[]> {
  const groups = options.quick ? 10 : 50;
  const perGroup = 20;
  const channels = 5;
  const dir = mkdtempSync(join(tmpdir(), "botyard-bench-am-"));
  const slack = await SlackEmulator.start({ ackTimeoutMs: 30_000, postMessageIntervalMs: SLACK_POST_INTERVAL_MS });
  const channelIds = Array.from({ length: channels }, (_, i) => slack.createChannel(`alerts-${i}`, { id: `C0ALERTS${i}` }).id);
  let coalesced = 0;
  const observer = { metric: (s: MetricSample) => void (s.name === "alertmanager_coalesced_changes" && (coalesced += s.value)) };
  const path = join(dir, "bots.yaml");
  writeFileSync(
    path,
    `slack:
  appToken: ${slack.appToken}
  botToken: ${slack.botToken}
  apiUrl: ${slack.apiUrl}
http: { port: 0, host: 127.0.0.1 }
store: { type: sqlite, path: am.db }
queue: { concurrency: 16 }
log: { level: warn }
bots:
  - id: am
    use: ${PLUGIN_DIR}
    config: ${JSON.stringify({
      channel: channelIds[0],
      bearerToken: TOKEN,
      routes: channelIds.map((channel, i) => ({ matchers: [`team="t${i}"`], channel })),
    })}
`,
  );
  const host = await startHost(loadConfig(path, {}), { observers: [observer], logDestination: devNull(), clientPingTimeoutMs: 500 });
  try {
    const group = (g: number, count: number, resolvedCount: number) => {
      const alerts: SampleAlert[] = Array.from({ length: count }, (_, i) => ({
        labels: { alertname: `Storm${g}`, team: `t${g % channels}`, instance: `host-${i}` },
        annotations: { summary: `alert ${i} of group ${g}` },
        status: i < resolvedCount ? "resolved" : "firing",
        startsAt: "2026-12-07T10:00:00Z",
        endsAt: "2026-12-07T10:30:00Z",
      }));
      return alertmanagerPayload({ alerts, groupLabels: { alertname: `Storm${g}` } });
    };
    const step = perGroup / BATCHES;
    const deliveries: unknown[] = [];
    for (let b = 1; b <= BATCHES; b++) for (let g = 0; g < groups; g++) deliveries.push(group(g, b * step, 0));
    for (let b = 1; b <= BATCHES; b++) for (let g = 0; g < groups; g++) deliveries.push(group(g, perGroup, b * step));

    const before = slack.calls.length;
    const start = Date.now();
    for (let i = 0; i < deliveries.length; i += 20) {
      const answers = await Promise.all(
        deliveries.slice(i, i + 20).map((body) =>
          fetch(`http://127.0.0.1:${host.port}/hooks/am`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) }),
        ),
      );
      const refused = answers.filter((a) => a.status !== 202);
      if (refused.length) throw new Error(`deliveries refused: ${refused.map((a) => a.status).join(", ")}`);
    }
    const acceptedMs = Date.now() - start;
    const tops = () => channelIds.flatMap((c) => slack.messages(c).map((m) => ({ c, m })));
    const done = () => {
      const all = tops();
      return all.length === groups && all.every(({ c, m }) => m.text.includes("RESOLVED") && slack.reactions(c, m.ts).some((r) => r.name === "white_check_mark"));
    };
    const deadline = Date.now() + 10 * 60_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`not resolved after 10 minutes: ${tops().filter(({ m }) => !m.text.includes("RESOLVED")).length} groups still open`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const resolvedMs = Date.now() - start;
    // Let anything still queued finish, so that the call count is the whole cost.
    await new Promise((r) => setTimeout(r, 2_000));
    const calls = slack.calls.slice(before);
    const changes = groups * perGroup * 2;
    const posts = calls.filter((c) => c.operation === "chat.postMessage");
    const limited = posts.filter((c) => c.status === 429).length;
    if (process.env.AM_BENCH_DEBUG) {
      for (const ch of channelIds) {
        const seq = posts.filter((c) => c.args.channel === ch).map((c) => `${c.status}@${c.at - start}${c.args.thread_ts ? "r" : "t"}`);
        process.stderr.write(`${ch}: ${seq.join(" ")}\n`);
      }
    }
    const count = (op: string) => calls.filter((c) => c.operation === op && c.status === 200).length;
    const groupsPerChannel = Math.ceil(groups / channels);
    const minimumMs = (2 * groupsPerChannel - 1) * SLACK_POST_INTERVAL_MS;
    const workload = `${(groups * perGroup).toLocaleString("en-US")} alerts in ${groups} groups over ${channels} channels, firing then resolving (${deliveries.length} notifications), Slack's 1 post/s/channel applied, SQLite`;
    const replies = posts.filter((c) => c.status === 200 && c.args.thread_ts !== undefined).length;
    return [
      {
        suite: "alertmanager",
        workload,
        metric: "Slack calls per alert change",
        value: round((calls.length) / changes, 3),
        unit: "calls",
        note: `${calls.length} calls for ${changes} changes: ${count("chat.postMessage")} posts (${groups} messages, ${replies} replies), ${count("chat.update")} updates, ${count("reactions.add")} reactions, ${limited} posts answered 429; ${coalesced} notifications folded into another's reply`,
      },
      { suite: "alertmanager", workload, metric: "time to a fully resolved channel", value: round(resolvedMs / 1000, 1), unit: "s", note: `all notifications accepted (202) after ${round(acceptedMs / 1000, 1)} s` },
      {
        suite: "alertmanager",
        workload,
        metric: "least time Slack's rate allows",
        value: round(minimumMs / 1000, 1),
        unit: "s",
        note: `${groupsPerChannel} groups per channel x 2 posts (message, final reply), one a second`,
      },
      { suite: "alertmanager", workload, metric: "ratio to the least time", value: round(resolvedMs / minimumMs, 2), unit: "x" },
    ];
  } finally {
    await host.stop();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function devNull(): NodeJS.WritableStream {
  return new Writable({ write: (_c, _e, done) => done() });
}
