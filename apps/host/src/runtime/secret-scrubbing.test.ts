import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcessHost, type InProcessHost } from "../test-support/in-process-host.js";

const API_KEY = "acme-key-8c1f0e5b-secret";
const PASSWORD = "p@ss/w0rd+é";

// A plugin that leaks its secrets every way real code does: logging its config, an HTTP client's
// error that echoes the request (URL with credentials, Authorization header), and a thrown error.
const leaky = `
import { definePlugin, Type } from "@botyard/core";
export default definePlugin({
  name: "leaky", core: "^1.0.0",
  config: Type.Object({ apiKey: Type.String(), url: Type.String() }),
  setup(bot, config) {
    bot.webhook("/", async (ctx) => {
      ctx.log.info({ config }, "calling the API");
      const error = new Error("request to " + config.url + "?key=" + config.apiKey + " failed with 401");
      error.config = { headers: { Authorization: "Bearer " + config.apiKey }, url: config.url };
      error.response = { data: { echoed: encodeURIComponent(config.apiKey) } };
      ctx.log.warn({ err: error }, "API call failed");
      throw new Error("giving up on " + config.url);
    });
  },
});
`;

describe("secret scrubbing", () => {
  let h: InProcessHost;
  beforeAll(async () => {
    h = await startInProcessHost(
      "bots:\n  - id: leaky\n    use: botyard-plugin-leaky\n    config:\n      apiKey: ${ACME_KEY}\n      url: https://bot:${ACME_PASSWORD}@api.acme.test/v1\n",
      { env: { ACME_KEY: API_KEY, ACME_PASSWORD: PASSWORD }, setup: (p) => p.plugin("botyard-plugin-leaky", leaky) },
    );
    expect((await fetch(`${h.url}/hooks/leaky`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status).toBe(500);
  });
  afterAll(() => h.close());

  it("removes every interpolated value, in every spelling, from every log line", () => {
    const all = h.raw.join("\n");
    for (const secret of [API_KEY, PASSWORD, h.slack.botToken, h.slack.appToken]) {
      for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) {
        expect(all).not.toContain(form);
      }
    }
  });

  it("keeps the rest of each line readable", () => {
    const failed = h.raw.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "API call failed")!;
    const err = failed.err as { message: string; config: { headers: { Authorization: string } } };
    expect(err.message).toBe("request to https://bot:[REDACTED]@api.acme.test/v1?key=[REDACTED] failed with 401");
    expect(err.config.headers.Authorization).toBe("Bearer [REDACTED]");
    expect(h.raw.some((l) => l.includes("giving up on https://bot:[REDACTED]@api.acme.test/v1"))).toBe(true);
  });
});
