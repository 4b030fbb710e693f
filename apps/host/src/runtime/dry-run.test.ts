import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";
import { HELLO_PLUGIN_DIR } from "../test-support/temp-project.js";

// `dryRun: true` at the top of bots.yaml: every bot runs its triggers and handlers, and every
// action is logged with what it would have done, and skipped.
describe("a host in dry-run", () => {
  let h: InProcessHost;
  beforeAll(async () => {
    h = await startInProcessHost("dryRun: true\nbots:\n  - id: hello\n    use: botyard-plugin-hello\n    config: { channel: C0DRYRUN1 }\n", {
      setup: (project, slack) => {
        slack.createChannel("general", { id: "C0DRYRUN1" });
        slack.addUser({ id: "U0DRYRUN1", name: "alice" });
        project.link("botyard-plugin-hello", HELLO_PLUGIN_DIR);
      },
    });
  });
  afterAll(() => h.close());

  const skipped = () =>
    h.raw.map((l) => JSON.parse(l) as { msg: string; action?: string; args?: { channel?: string; text?: string } }).filter((l) => l.msg === "dry run: action skipped");

  it("logs the actions its bots would run, and runs none", async () => {
    const hook = await fetch(`${h.url}/hooks/hello/notify`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"text":"deploy finished"}' });
    expect(hook.status).toBe(200);
    await h.slack.sendMessage({ channel: "C0DRYRUN1", user: "U0DRYRUN1", text: "hello there" });
    await expect.poll(skipped).toHaveLength(2);

    expect(skipped()).toEqual([
      expect.objectContaining({ action: "slack.chat.postMessage", args: expect.objectContaining({ channel: "C0DRYRUN1", text: "deploy finished" }) }),
      expect.objectContaining({ action: "slack.chat.postMessage", args: expect.objectContaining({ channel: "C0DRYRUN1", text: "Hello, <@U0DRYRUN1>!" }) }),
    ]);
    expect(h.slack.callsTo("chat.postMessage")).toEqual([]);
    expect(h.slack.messages("C0DRYRUN1").map((m) => m.text)).toEqual(["hello there"]);
    expect(await (await fetch(`${h.url}/status`)).json()).toMatchObject({ bots: [{ id: "hello", dryRun: true }] });
  });
});
