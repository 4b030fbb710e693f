import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SocketModeReceiver } from "@botyard/core";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";

const API_KEY = "acme-key-8c1f0e5b-secret";
const PASSWORD = "p@ss/w0rd+é";
const REGION = "eu-1";

// A plugin that leaks its secrets every way real code does: logging its config, the real fetch's
// error for a URL with credentials (it quotes the URL), a request description with a base64
// credential, the real Slack client object (it holds the bot token), and a thrown error.
const leaky = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "leaky", core: "^1.0.0",
  config: Type.Object({ apiKey: Type.String(), url: Type.String(), region: Type.String() }),
  setup(bot, config) {
    bot.webhook("/", async (ctx) => {
      ctx.log.info({ config }, "calling the API");
      const headers = { "x-acme-credentials": Buffer.from("bot:" + config.apiKey).toString("base64") };
      try {
        await fetch(config.url + "?key=" + config.apiKey, { headers });
      } catch (err) {
        ctx.log.warn({ err, request: { url: config.url, headers } }, "API call failed");
      }
      try {
        await ctx.slack.chat.postMessage({ channel: "C0NOWHERE", text: "report" });
      } catch (err) {
        ctx.log.warn({ err, client: ctx.slack }, "Slack call failed");
      }
      throw new Error("giving up on " + config.url);
    });
  },
});
`;

describe("secret scrubbing", () => {
  let h: InProcessHost;
  beforeAll(async () => {
    h = await startInProcessHost(
      "bots:\n  - id: leaky\n    use: botyard-plugin-leaky\n    config:\n      apiKey: ${ACME_KEY}\n      url: https://bot:${ACME_PASSWORD}@api.acme.test/v1\n      region: ${ACME_REGION}\n",
      { env: { ACME_KEY: API_KEY, ACME_PASSWORD: PASSWORD, ACME_REGION: REGION }, setup: (p) => p.plugin("botyard-plugin-leaky", leaky) },
    );
    expect((await fetch(`${h.url}/hooks/leaky`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status).toBe(500);
    // The host's Socket Mode client holds the app token; code that logs a client object leaks it.
    const receiver = new SocketModeReceiver({ appToken: h.slack.appToken, apiUrl: h.slack.apiUrl, logger: h.host.log, onEnvelope: () => {} });
    h.host.log.warn({ receiver }, "Socket Mode receiver state");
  });
  afterAll(() => h.close());

  const lines = () => h.raw.map((l) => JSON.parse(l) as Record<string, unknown>);
  const line = (msg: string) => lines().find((l) => l.msg === msg)!;

  it("removes every interpolated value, in every spelling, from every log line", () => {
    const all = h.raw.join("\n");
    for (const secret of [API_KEY, PASSWORD, h.slack.botToken, h.slack.appToken]) {
      for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), Buffer.from(secret).toString("base64")]) {
        expect(all).not.toContain(form);
      }
    }
    expect(Buffer.from((line("API call failed").request as { headers: Record<string, string> }).headers["x-acme-credentials"]!.replace("[REDACTED]", ""), "base64").toString()).not.toContain("acme-key");
  });

  it("did have each secret to remove: the real clients' errors and objects carried them", () => {
    const fetchError = line("API call failed").err as { message: string };
    expect(fetchError.message).toBe("Request cannot be constructed from a URL that includes credentials: https://bot:[REDACTED]@api.acme.test/v1?key=[REDACTED]");
    expect((line("Slack call failed").client as { token: string }).token).toBe("[REDACTED]");
    expect(JSON.stringify(line("Socket Mode receiver state"))).toContain("Bearer [REDACTED]");
    expect(line("calling the API").config).toMatchObject({ apiKey: "[REDACTED]", url: "https://bot:[REDACTED]@api.acme.test/v1" });
    expect(h.raw.some((l) => l.includes("giving up on https://bot:[REDACTED]@api.acme.test/v1"))).toBe(true);
  });

  it("warns, naming the variable and never showing the value, when a value is too short to scrub", () => {
    const warning = lines().find((l) => l.variable === "ACME_REGION")!;
    expect(warning).toMatchObject({ level: 40, where: expect.stringMatching(/bots\.yaml:\d+:\d+$/), minLength: 6 });
    expect(warning.msg).toBe("the value of ${ACME_REGION} is shorter than 6 characters, too short to be scrubbed from logs; if it is a secret, use a longer one");
    expect(JSON.stringify(warning)).not.toContain(REGION);
    expect(lines().filter((l) => typeof l.variable === "string").map((l) => l.variable)).toEqual(["ACME_REGION"]);
  });
});
