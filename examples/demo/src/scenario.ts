import { GitHubEmulator, PagerDutyEmulator } from "@botyard/testing";
import { datadogAttachments, datadogEventId, webhookPayload } from "@botyard/plugin-dogdata/samples";
import { alertmanagerPayload } from "@botyard/plugin-alertmanager/samples";
import type { DemoScenario } from "@botyard/demo";

const DOGDATA_SECRET = "demo-secret-0123456789";
const ALERTMANAGER_TOKEN = "demo-alertmanager-token-0123";
const CPU = { monitorId: "4242", scope: "host:web-1,env:prod", name: "CPU high on web" };
const DISK = { monitorId: "4343", scope: "host:db-1,env:prod", name: "Disk almost full" };

let github: GitHubEmulator;
let pagerduty: PagerDutyEmulator;

/**
 * Seeds the emulators behind examples/demo/bots.yaml — a Slack workspace, a GitHub repository
 * with merged work waiting for release, a PagerDuty schedule — and plays a short story.
 */
const scenario: DemoScenario = {
  channel: "C0GENERAL",
  user: "U0ALICE",

  async setup(slack) {
    for (const [name, id] of [["general", "C0GENERAL"], ["alerts", "C0ALERTS"], ["releases", "C0RELEASES"], ["sre", "C0SRE"], ["incidents", "C0INCIDENT"]] as const) slack.createChannel(name, { id });
    slack.addUser({ id: "U0ALICE", name: "alice", realName: "Alice Archer", email: "alice@example.com", tz: "Europe/Paris" });
    slack.addUser({ id: "U0BOB", name: "bob", realName: "Bob Baker", email: "bob@example.com", tz: "America/New_York" });
    slack.addUsergroup({ handle: "oncall-sre", name: "SRE on call" });

    github = await GitHubEmulator.start();
    github.addUser({ login: "release-bot" });
    github.addToken("ghp_demo_release_token", { login: "release-bot" });
    github.addUser({ login: "alice", email: "alice@example.com" });
    github.addUser({ login: "bob", email: "bob@example.com" });
    const web = github.createRepo("acme/web");
    web.createBranch("develop", "main");
    web.featureMerge("develop", { title: "Add the login page", author: "alice", method: "merge", commits: 3 });
    web.featureMerge("develop", { title: "Fix a typo in the footer", author: "bob", method: "squash", commits: 2 });

    pagerduty = await PagerDutyEmulator.start();
    const alice = pagerduty.addUser({ name: "Alice Archer", email: "alice@example.com" });
    const bob = pagerduty.addUser({ name: "Bob Baker", email: "bob@example.com" });
    pagerduty.addSchedule({ id: "PSRE001", name: "SRE primary" });
    const handoff = Math.ceil((Date.now() + 60 * 60_000) / 1000) * 1000;
    pagerduty.setOnCall("PSRE001", [
      { userId: alice.id, start: new Date(handoff - 8 * 3_600_000), end: new Date(handoff) },
      { userId: bob.id, start: new Date(handoff), end: new Date(handoff + 8 * 3_600_000) },
    ]);

    return {
      env: {
        DOGDATA_SECRET,
        ALERTMANAGER_TOKEN,
        GITHUB_TOKEN: "ghp_demo_release_token",
        GITHUB_API_URL: github.url,
        PAGERDUTY_TOKEN: pagerduty.token,
        PAGERDUTY_API_URL: pagerduty.url,
      },
      close: async () => {
        await github.close();
        await pagerduty.close();
      },
    };
  },

  async script({ slack, hostUrl, narrate, until }) {
    narrate("alice says hello; the hello bot answers");
    await slack.sendMessage({ channel: "C0GENERAL", user: "U0ALICE", text: "hello botyard" });
    await until(() => slack.messages("C0GENERAL").some((m) => m.text?.startsWith("Hello,")));

    narrate("the on-call bot has put PagerDuty's on-call into @oncall-sre; bob asks who it is");
    await until(() => slack.usergroup("oncall-sre")?.users.includes("U0ALICE"));
    const asked = await slack.slashCommand({ command: "/oncall", user: "U0BOB", channel: "C0SRE" });
    await until(() => slack.responses(asked.responseUrlId).length > 0);

    narrate("Datadog's Slack app posts two alerts in #alerts");
    const datadog = slack.addBot({ name: "Datadog" });
    const cpuEvent = datadogEventId();
    const cpu = await slack.postAs(datadog, { channel: "C0ALERTS", text: "", attachments: datadogAttachments({ ...CPU, eventId: cpuEvent }) });
    await slack.postAs(datadog, { channel: "C0ALERTS", text: "", attachments: datadogAttachments({ ...DISK, eventId: datadogEventId() }) });
    narrate("then Datadog's webhook says the CPU alert recovered: the bot threads it under the alert with a check");
    const hook = (body: unknown) =>
      fetch(`${hostUrl}/hooks/dogdata`, { method: "POST", headers: { "content-type": "application/json", "x-botyard-secret": DOGDATA_SECRET }, body: JSON.stringify(body) });
    await hook(webhookPayload({ ...CPU, eventId: cpuEvent }));
    const recovered = await hook(webhookPayload({ ...CPU, transition: "Recovered" }));
    if (recovered.status !== 202) throw new Error(`the dogdata webhook answered ${recovered.status}`);
    await until(() => slack.reactions("C0ALERTS", cpu.ts).some((r) => r.name === "white_check_mark"));

    narrate("Prometheus Alertmanager notifies a group of two latency alerts, then their resolution: one thread, a check at the end");
    const notify = (status: "firing" | "resolved") =>
      fetch(`${hostUrl}/hooks/alertmanager`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ALERTMANAGER_TOKEN}` },
        body: JSON.stringify(
          alertmanagerPayload({
            groupLabels: { alertname: "HighLatency" },
            alerts: ["web-1", "web-2"].map((instance) => ({
              status,
              labels: { alertname: "HighLatency", severity: "page", instance },
              annotations: { summary: `p99 latency above 2s on ${instance}` },
            })),
          }),
        ),
      });
    if ((await notify("firing")).status !== 202) throw new Error("the alertmanager webhook refused the firing group");
    await until(() => slack.messages("C0INCIDENT").length > 0);
    await notify("resolved");
    await until(() => slack.messages("C0INCIDENT").some((m) => (m.reactions ?? []).some((r) => r.name === "white_check_mark")));

    narrate("alice asks for a release of web: a release PR opens on GitHub, announced in #releases");
    await slack.slashCommand({ command: "/release", text: "web", user: "U0ALICE", channel: "C0RELEASES" });
    // The release bot answers in the channel once GitHub has the PR.
    await until(() => github.repo("acme/web").pulls().some((p) => p.base === "main" && p.state === "open"), 15_000);
    await until(() => slack.messages("C0RELEASES").length > 0);

    narrate("a CI job POSTs a webhook; it becomes a message");
    const res = await fetch(`${hostUrl}/hooks/hello/notify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "deploy of web 1.4.2 finished" }),
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  },
};

export default scenario;
