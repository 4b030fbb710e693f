import type { DemoScenario } from "@botyard/testing";

/** Seeds the emulators behind examples/demo/bots.yaml and plays a short story through them. */
const scenario: DemoScenario = {
  channel: "C0GENERAL",
  user: "U0ALICE",

  async setup(slack) {
    slack.createChannel("general", { id: "C0GENERAL" });
    slack.addUser({ id: "U0ALICE", name: "alice", realName: "Alice Example", email: "alice@example.com", tz: "Europe/Paris" });
    return { env: {} };
  },

  async script({ slack, hostUrl, narrate, until }) {
    narrate("alice says hello; the hello bot answers");
    await slack.sendMessage({ channel: "C0GENERAL", user: "U0ALICE", text: "hello botyard" });
    await until(() => slack.messages("C0GENERAL").some((m) => m.text?.startsWith("Hello,")));

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
