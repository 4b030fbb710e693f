import { PagerDutyEmulator } from "@botyard/testing";
import { afterEach, describe, expect, it } from "vitest";
import { PagerDutyClient, PagerDutyError, PAGERDUTY_US_URL } from "./client.js";

const NOW = new Date("2030-03-11T09:00:00Z");
const HOUR = 3_600_000;
let pd: PagerDutyEmulator;
afterEach(() => pd?.close());

function client(options: Partial<ConstructorParameters<typeof PagerDutyClient>[0]> = {}) {
  return new PagerDutyClient({ token: pd.token, baseUrl: `${pd.url}/`, retries: 2, retryDelayMs: 1, maxRetryDelayMs: 5, ...options });
}

describe("PagerDutyClient.listOnCalls", () => {
  it("sends PagerDuty's auth and version headers and returns typed on-calls with emails", async () => {
    pd = await PagerDutyEmulator.start({ now: () => NOW });
    const alice = pd.addUser({ name: "Alice", email: "alice@example.com" });
    const schedule = pd.addSchedule({ name: "Primary" });
    pd.setOnCall(schedule.id, [{ userId: alice.id, start: new Date(NOW.getTime() - HOUR), end: new Date(NOW.getTime() + HOUR) }]);

    const oncalls = await client().listOnCalls({ scheduleIds: [schedule.id] });
    expect(oncalls.map((o) => [o.user.email, o.schedule?.id, o.escalation_level, o.end])).toEqual([["alice@example.com", schedule.id, 1, "2030-03-11T10:00:00Z"]]);
    const [call] = pd.callsTo("GET /oncalls");
    expect(call!.headers.authorization).toBe(`Token token=${pd.token}`);
    expect(call!.headers.accept).toBe("application/vnd.pagerduty+json;version=2");
  });

  it("follows `more` through every page", async () => {
    pd = await PagerDutyEmulator.start({ now: () => NOW });
    const policy = pd.addEscalationPolicy({ name: "All" });
    pd.setOnCall(policy, Array.from({ length: 205 }, (_, i) => ({ userId: pd.addUser({ name: `U${i}`, email: `u${i}@example.com` }).id, level: 1 + (i % 3) })));
    const oncalls = await client().listOnCalls({ escalationPolicyIds: [policy.id] });
    expect(new Set(oncalls.map((o) => o.user.id)).size).toBe(205);
    expect(pd.callsTo("GET /oncalls").map((c) => c.query.offset)).toEqual(["0", "100", "200"]);
  });

  it("fails without retrying on a rejected key, naming what to check", async () => {
    pd = await PagerDutyEmulator.start({ token: "right" });
    const error = await client({ token: "wrong" }).listOnCalls({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PagerDutyError);
    expect(error).toMatchObject({ status: 401, pdCode: 2006, retryable: false });
    expect((error as Error).message).toContain("pagerduty.token");
    expect(pd.callsTo("GET /oncalls")).toHaveLength(1);
  });

  it("gives up after its retries with the last error", async () => {
    pd = await PagerDutyEmulator.start();
    pd.outage({ status: 502, times: 10 });
    await expect(client({ retries: 1 }).listOnCalls({})).rejects.toMatchObject({ status: 502, retryable: true });
    expect(pd.callsTo("GET /oncalls")).toHaveLength(2);
  });

  it("stops at once when the caller's signal aborts (shutdown)", async () => {
    pd = await PagerDutyEmulator.start();
    pd.setLatency("GET /oncalls", 2_000);
    const controller = new AbortController();
    const pending = client({ timeoutMs: 10_000 }).listOnCalls({}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("host stopping")), 20);
    await expect(pending).rejects.toThrow("host stopping");
  });

  it("defaults to the US service region and refuses a base URL that is not one", () => {
    expect(new PagerDutyClient({ token: "x" }).baseUrl).toBe(PAGERDUTY_US_URL);
    expect(new PagerDutyClient({ token: "x", baseUrl: "https://api.eu.pagerduty.com/" }).baseUrl).toBe("https://api.eu.pagerduty.com");
    expect(() => new PagerDutyClient({ token: "x", baseUrl: "api.pagerduty.com" })).toThrow(/is not a URL/);
    expect(() => new PagerDutyClient({ token: "" })).toThrow(/API token/);
  });
});
