import { Octokit } from "@octokit/rest";
import webApi from "@slack/web-api";
import { afterEach, describe, expect, it } from "vitest";
import { GitHubEmulator } from "../github/github-emulator.js";
import { PagerDutyEmulator } from "../pagerduty/pagerduty-emulator.js";
import { SlackEmulator } from "../slack/slack-emulator.js";
import { SlackEventsConformance } from "./events-conformance.js";
import { applyPatch } from "./json-patch.js";
import { ConformanceError, conformanceViolations, expectConformance, type RunCounts, runCounts, takeViolations } from "./registry.js";
import { type FileRecord, formatSummary, summarize } from "./run-summary.js";
import { applyErrata, normalizeOpenApiSchemas, readErrata, readRawSpec, SPECS } from "./specs.js";

const { WebClient } = webApi;
const silent = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => "error" as never, setName() {} };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The providers' own documentation sites (and PagerDuty's documentation repository). */
const DOC_SITES = [/^https:\/\/docs\.slack\.dev\//, /^https:\/\/docs\.github\.com\//, /^https:\/\/developer\.pagerduty\.com\//, /^https:\/\/github\.com\/PagerDuty\/developer-docs\//];

describe("errata", () => {
  const { errata } = readErrata();

  it("each erratum has a unique id, a known description, a why, and the provider documentation it comes from", () => {
    expect(errata.length).toBeGreaterThan(0);
    expect(new Set(errata.map((e) => e.id)).size).toBe(errata.length);
    for (const e of errata) {
      expect(Object.keys(SPECS), e.id).toContain(e.spec);
      expect(e.why.length, `${e.id}: why`).toBeGreaterThan(40);
      expect(DOC_SITES.some((site) => site.test(e.source)), `${e.id}: source ${e.source} is not a provider documentation URL`).toBe(true);
      expect(() => new URL(e.source)).not.toThrow();
      expect(e.patch.length, `${e.id}: patch`).toBeGreaterThan(0);
    }
  });

  it("applies cleanly to the descriptions as published", () => {
    for (const name of new Set(errata.map((e) => e.spec))) {
      const doc = readRawSpec(name);
      expect(() => applyErrata(name, doc, errata), name).not.toThrow();
    }
  });
});

describe("conformance checks", () => {
  it("share one registry between module copies, on globalThis under Symbol.for('botyard:conformance')", () => {
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("botyard:conformance")]).toBeDefined();
  });

  it("catch a deliberately wrong Slack answer injected into the emulator, and an unknown argument", async () => {
    const slack = await SlackEmulator.start({ conformance: true });
    closers.push(() => slack.close());
    const ops = slack.createChannel("ops");
    const web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: silent as never, retryConfig: { retries: 0 } });
    slack.inject({ operation: "chat.postMessage", status: 200, body: { ok: true, channel: "not-a-channel", ts: "soon" } });
    await web.chat.postMessage({ channel: ops.id, text: "hi" });
    const [answer] = takeViolations({ operation: "chat.postMessage", direction: "response" });
    expect(answer?.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^\/channel must match pattern/), expect.stringMatching(/^\(root\) must have required property 'message'/)]));

    await web.apiCall("chat.postMessage", { channel: ops.id, text: "hi", colour: "red" });
    expect(takeViolations({ operation: "chat.postMessage" }).flatMap((v) => v.errors)).toEqual(['argument "colour" is not a parameter of chat.postMessage']);
  });

  it("catch an error name Slack never sends, and a 429 without Retry-After", async () => {
    const slack = await SlackEmulator.start({ conformance: true });
    closers.push(() => slack.close());
    const ops = slack.createChannel("ops");
    const web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: silent as never, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    slack.failNext("chat.postMessage", "rate_limited");
    await web.chat.postMessage({ channel: ops.id, text: "hi" }).catch(() => undefined);
    expect(takeViolations({ direction: "response" }).flatMap((v) => v.errors)).toEqual([expect.stringMatching(/^\/error must be one of/)]);
    slack.inject({ operation: "chat.postMessage", status: 429, body: { ok: false, error: "ratelimited" } });
    await web.chat.postMessage({ channel: ops.id, text: "hi" }).catch(() => undefined);
    expect(takeViolations({ direction: "response", status: 429 }).flatMap((v) => v.errors)).toEqual([expect.stringMatching(/Retry-After/)]);
  });

  it("catch a malformed GitHub answer, an undocumented status and a bad request body", async () => {
    const gh = await GitHubEmulator.start({ conformance: true });
    closers.push(() => gh.close());
    gh.addToken("ghp_x", { login: "bot" });
    gh.createRepo("acme/web");
    const octokit = new Octokit({ baseUrl: gh.url, auth: "ghp_x", log: { debug() {}, info() {}, warn() {}, error() {} } });
    gh.inject({ operation: "GET /repos/{owner}/{repo}", status: 200, body: { id: "one", name: 7 } });
    await octokit.repos.get({ owner: "acme", repo: "web" });
    expect(takeViolations({ provider: "github", direction: "response" })[0]?.errors).toEqual(expect.arrayContaining(["(root) must have required property 'full_name'"]));
    gh.inject({ operation: "GET /repos/{owner}/{repo}", status: 418, body: { message: "I'm a teapot" } });
    await octokit.repos.get({ owner: "acme", repo: "web" }).catch(() => undefined);
    expect(takeViolations({ provider: "github" }).map((v) => v.message)).toEqual([expect.stringMatching(/HTTP 418 is not an answer the description documents/)]);
    await octokit.request("POST /repos/{owner}/{repo}/pulls", { owner: "acme", repo: "web", head: "main", base: "main", title: 42 as never }).catch(() => undefined);
    expect(takeViolations({ provider: "github", direction: "request" }).flatMap((v) => v.errors)).toEqual(["body /title must be string"]);
  });

  it("catch a malformed PagerDuty answer and an unknown query parameter", async () => {
    const pd = await PagerDutyEmulator.start({ conformance: true });
    closers.push(() => pd.close());
    const headers = { Authorization: `Token token=${pd.token}` };
    pd.http.inject({ operation: "GET /oncalls", status: 200, body: { oncalls: [{ user: { id: 7 } }], more: "no" } });
    await fetch(`${pd.url}/oncalls`, { headers });
    expect(takeViolations({ provider: "pagerduty", direction: "response" })[0]?.errors).toEqual(expect.arrayContaining(["/more must be boolean"]));
    await fetch(`${pd.url}/oncalls?schedule_id=P1`, { headers });
    expect(takeViolations({ provider: "pagerduty", direction: "request" }).flatMap((v) => v.errors)).toEqual(['query parameter "schedule_id" is not a parameter of GET /oncalls']);
  });

  it("check Events API payloads against the event wrapper and the topic", () => {
    const events = new SlackEventsConformance();
    events.check("events_api", { type: "event_callback", event: { type: "reaction_added" } });
    const [wrapper] = takeViolations({ direction: "event" });
    expect(wrapper?.errors).toEqual(expect.arrayContaining(["(root) must have required property 'token'", "/event must have required property 'event_ts'"]));
  });

  it("record nothing for an emulator started with conformance off", async () => {
    const slack = await SlackEmulator.start({ conformance: false });
    closers.push(() => slack.close());
    slack.inject({ operation: "auth.test", status: 200, body: { ok: true } });
    await new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: silent as never }).auth.test();
    expect(conformanceViolations()).toEqual([]);
  });

  it("expectConformance throws the violations, listed, and clears them", async () => {
    const slack = await SlackEmulator.start({ conformance: true });
    closers.push(() => slack.close());
    await new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: silent as never }).apiCall("conversations.list", { bogus: 1 });
    let thrown: unknown;
    try {
      expectConformance();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConformanceError);
    expect((thrown as Error).message).toMatch(/\[slack\] conversations\.list request: .*\n.*argument "bogus" is not a parameter/);
    expect(conformanceViolations()).toEqual([]);
  });
});

describe("the figures of a run", () => {
  /** What was counted between two snapshots, for one provider. */
  const since = (before: RunCounts, after: RunCounts) => ({
    requests: after.requests - before.requests,
    responses: after.responses - before.responses,
    events: after.events - before.events,
    recorded: after.recorded - before.recorded,
  });

  it("count every validated request, answer and Events API payload once, by operation and kind", async () => {
    const slack = await SlackEmulator.start({ conformance: true });
    closers.push(() => slack.close());
    const ops = slack.createChannel("ops");
    const alice = slack.addUser({ name: "alice" });
    const web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: silent as never, retryConfig: { retries: 0 } });
    const before = runCounts();
    await web.auth.test();
    await web.auth.test();
    await web.chat.postMessage({ channel: "C999999999", text: "nowhere" }).catch(() => undefined);
    await slack.sendMessage({ channel: ops.id, user: alice.id, text: "hello" });
    await web.apiCall("conversations.list", { bogus: 1 });
    expect(takeViolations({ operation: "conversations.list" })).toHaveLength(1);
    const after = runCounts();

    expect(since(before.slack, after.slack)).toEqual({ requests: 3, responses: 4, events: 1, recorded: 1 });
    expect(after.slack.operations["auth.test"]!.responses.ok! - (before.slack.operations["auth.test"]?.responses.ok ?? 0)).toBe(2);
    expect(after.slack.operations["chat.postMessage"]!.responses["ok:false"]! - (before.slack.operations["chat.postMessage"]?.responses["ok:false"] ?? 0)).toBe(1);
    expect(Object.keys(after.slack.operations["events_api message"]!.responses)).toEqual(["wrapper + topic message.channels"]);
    expect(since(before.github, after.github)).toEqual({ requests: 0, responses: 0, events: 0, recorded: 0 });
  });

  it("add up the test files' records; violations that failed tests are told apart from those tests took on purpose", () => {
    const counts = (slack: Partial<RunCounts>): FileRecord["counts"] => {
      const none: RunCounts = { requests: 0, responses: 0, events: 0, recorded: 0, operations: {} };
      return { slack: { ...none, ...slack }, github: none, pagerduty: none };
    };
    const records: FileRecord[] = [
      { file: "a.test.ts", enabled: true, counts: counts({ requests: 2, responses: 2, recorded: 1, operations: { "auth.test": { requests: 2, responses: { ok: 2 } } } }), failed: [] },
      {
        file: "b.test.ts",
        enabled: true,
        counts: counts({ requests: 1, responses: 1, events: 3, recorded: 1, operations: { "auth.test": { requests: 1, responses: { "ok:false": 1 } } } }),
        failed: [{ provider: "slack", operation: "auth.test", direction: "response", message: "does not match", test: "b.test.ts > fails" }],
      },
    ];
    const summary = summarize(records);
    expect(summary.providers.slack).toMatchObject({ requests: 3, responses: 3, events: 3, violations: 1, deliberate: 1 });
    expect(summary.providers.slack.operations["auth.test"]).toEqual({ requests: 3, responses: { ok: 2, "ok:false": 1 } });
    const text = formatSummary(summary, "last-run.json", { slack: ["auth.test", "chat.postMessage"] });
    expect(text).toContain("slack     validated: 3 requests, 3 responses, 3 events; 1/2 implemented operations exercised; violations: 1 (plus 1 provoked and taken on purpose by tests)");
    expect(text).toContain("1 conformance violation(s) failed tests (must be 0):\n  - [slack] auth.test response: does not match (b.test.ts > fails)");
  });
});

describe("JSON Patch and the OpenAPI dialect", () => {
  it("fails loudly when an erratum no longer applies", () => {
    const doc = { a: { b: [1, 2] } };
    expect(() => applyPatch(doc, [{ op: "test", path: "/a/b/0", value: 2 }])).toThrow(/test failed/);
    expect(() => applyPatch(doc, [{ op: "remove", path: "/a/c" }])).toThrow(/nothing to remove/);
    expect(() => applyPatch(doc, [{ op: "add", path: "/x/y", value: 1 }])).toThrow(/does not exist/);
    applyPatch(doc, [{ op: "add", path: "/a/b/-", value: 3 }, { op: "replace", path: "/a/b/0", value: 0 }]);
    expect(doc).toEqual({ a: { b: [0, 2, 3] } });
  });

  it("turns nullable and boolean exclusive bounds into JSON Schema", () => {
    const schema = { properties: { a: { type: "string", nullable: true, enum: ["x"] }, b: { $ref: "#/x", nullable: true }, c: { type: "integer", minimum: 0, exclusiveMinimum: true } } };
    normalizeOpenApiSchemas(schema);
    expect(schema.properties).toEqual({
      a: { type: ["string", "null"], enum: ["x", null] },
      b: { anyOf: [{ $ref: "#/x" }, { type: "null" }] },
      c: { type: "integer", exclusiveMinimum: 0 },
    });
  });
});
