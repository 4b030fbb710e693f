import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
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
import { applyErrata, createValidator, derefPointer, type LoadedSpec, loadSpec, normalizeOpenApiSchemas, pointerOf, readErrata, readRawSpec, SPECS, SPECS_DIR, type SpecName } from "./specs.js";
import { PROVIDER_FORMATS, UNCHECKED_FORMATS } from "./validator-settings.js";

const { WebClient } = webApi;
const silent = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => "error" as never, setName() {} };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The providers' API documentation: Slack's method reference and Web API guides, GitHub's REST docs, PagerDuty's developer docs and API reference. */
const API_DOCS = [
  /^https:\/\/docs\.slack\.dev\/(reference|apis|messaging|changelog)\//,
  /^https:\/\/docs\.github\.com\/en\/rest\//,
  // v2.developer.pagerduty.com: the REST API v2 guides (Includes, Pagination) as PagerDuty first published them.
  /^https:\/\/(v2\.)?developer\.pagerduty\.com\/(docs|api-reference)\//,
];
/** Supporting pages must still be the provider's own documentation sites. */
// Slack's own SDK repositories (github.com/slackapi) hold its recorded answers and payloads.
const PROVIDER_SITES = [/^https:\/\/docs\.slack\.dev\//, /^https:\/\/github\.com\/slackapi\//, /^https:\/\/docs\.github\.com\//, /^https:\/\/(v2\.)?developer\.pagerduty\.com\//];

describe("errata", () => {
  const { errata } = readErrata();

  it("each erratum has a unique id, a known description, a why, and the provider's API documentation it comes from", () => {
    expect(errata.length).toBeGreaterThan(0);
    expect(new Set(errata.map((e) => e.id)).size).toBe(errata.length);
    for (const e of errata) {
      expect(Object.keys(SPECS), e.id).toContain(e.spec);
      expect(e.why.length, `${e.id}: why`).toBeGreaterThan(40);
      expect(API_DOCS.some((site) => site.test(e.source)), `${e.id}: source ${e.source} is not a page of the provider's API documentation`).toBe(true);
      expect(() => new URL(e.source)).not.toThrow();
      for (const page of e.evidence ?? []) {
        expect(PROVIDER_SITES.some((site) => site.test(page)) && page !== e.source, `${e.id}: evidence ${page}`).toBe(true);
      }
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

/**
 * sha256 of each description copied into packages/testing/specs, byte for byte as published
 * (slackapi/slack-api-specs, PagerDuty/api-schema). A correction goes into errata.json, with its
 * source, never into these files: changing one means changing this list, in plain sight.
 */
const PUBLISHED_SHA256: Record<string, string> = {
  "slack-web-api.openapi-v2.json": "8b92da26a3c5b11d20042a9f36d81f1fa6fc9382c5ddc471babb68b91936bc3a",
  "slack-events-api.asyncapi-v1.json": "a491c82393abf9ef1aa38334cf71c747fbc2ea7a2b78533882ea24c888fe84be",
  "slack-event-wrapper.schema.json": "f6d1704676f4866fc62704086a916dd4c3d9f53a570b9e2976a80450e641d05a",
  "pagerduty-rest.openapi-v3.json": "b2e80f8b83b170f29702e96a69adf230702b4ec43dddab7e348a2985c707ef35",
};

/** The JSON pointers of every `schema` an operation's parameters, request body and responses use, `$ref`s followed. */
function schemaPointers(spec: LoadedSpec, pointer: string, seen = new Set<string>()): string[] {
  pointer = derefPointer(spec, pointer);
  if (seen.has(pointer)) return [];
  seen.add(pointer);
  const node = spec.resolve<unknown>(pointer);
  if (!node || typeof node !== "object") return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === "example" || key === "examples" || key.startsWith("x-")) continue;
    const child = Array.isArray(node) ? `${pointer}/${key}` : `${pointer}${pointerOf(key)}`;
    if (key === "schema" && !Array.isArray(node)) out.push(child);
    else if (value && typeof value === "object") out.push(...schemaPointers(spec, child, seen));
  }
  return out;
}

describe("the descriptions", () => {
  it("are the published files, unchanged (corrections live in errata.json)", () => {
    const copies = readdirSync(SPECS_DIR).filter((f) => f.endsWith(".json") && f !== "errata.json");
    expect(copies.sort()).toEqual(Object.keys(PUBLISHED_SHA256).sort());
    for (const file of copies) {
      expect(createHash("sha256").update(readFileSync(`${SPECS_DIR}${file}`)).digest("hex"), file).toBe(PUBLISHED_SHA256[file]);
    }
  });

  it("compile in strict mode wherever the checks validate an implemented operation or an event", () => {
    const failures: string[] = [];
    const compile = (spec: LoadedSpec, pointer: string) => {
      try {
        spec.validator(pointer);
      } catch (error) {
        failures.push(`${spec.name}${pointer}: ${(error as Error).message}`);
      }
    };
    const operations: [SpecName, readonly string[]][] = [
      ["slack-web-api", SlackEmulator.implementedMethods.map((m) => `POST /${m}`)],
      ["github-rest", GitHubEmulator.implementedRestOperations()],
      ["pagerduty-rest", PagerDutyEmulator.implementedOperations()],
    ];
    let compiled = 0;
    for (const [name, ops] of operations) {
      const spec = loadSpec(name);
      for (const op of ops) {
        const [verb, path] = op.split(" ") as [string, string];
        const item = (spec.doc.paths as Record<string, Record<string, unknown>>)[path]!;
        const method = name === "slack-web-api" ? Object.keys(item).find((k) => k === "get" || k === "post")! : verb.toLowerCase();
        const pointers = [...schemaPointers(spec, pointerOf("paths", path, method)), ...(item.parameters ? schemaPointers(spec, pointerOf("paths", path, "parameters")) : [])];
        expect(pointers.length, op).toBeGreaterThan(0);
        for (const pointer of pointers) compile(spec, pointer);
        compiled += pointers.length;
      }
    }
    const events = loadSpec("slack-events-api");
    for (const topic of Object.keys(events.doc.topics as object)) compile(events, pointerOf("topics", topic, "subscribe", "payload"));
    compile(loadSpec("slack-event-wrapper"), "");
    expect(failures).toEqual([]);
    expect(compiled).toBeGreaterThan(200);
  });

  it("refuse a format nobody validates or lists, and a keyword nobody declared, instead of ignoring them", () => {
    for (const name of Object.keys(SPECS) as SpecName[]) expect(() => loadSpec(name), name).not.toThrow();
    const doc = () => ({ openapi: "3.0.0", paths: {}, "x-logo": {}, components: { schemas: { A: { type: "string", format: "made-up" } } } });
    expect(() => createValidator("made-up", doc())).toThrow(/uses format\(s\) made-up that the conformance checks neither validate nor list as unchecked/);
    const { ajv } = createValidator("ok", { ...doc(), components: { schemas: { A: { type: "string", format: "url", example: "x", "x-internal": true } } } });
    expect(ajv.validate({ type: "string", format: "url", example: "x", "x-internal": true }, "http://127.0.0.1:4000/api/")).toBe(true);
    expect(() => ajv.compile({ type: "string", maxLenght: 3 })).toThrow(/unknown keyword: "maxLenght"/);
  });

  it("validate the formats the providers define as they document them", () => {
    const check = (format: string, value: unknown) => (PROVIDER_FORMATS[format]!.validate as (v: unknown) => boolean)(value);
    expect(["http://127.0.0.1:4000/api/", "https://acme.slack.com/archives/C1/p1", "wss://localhost:1/link", "/archives/C1", "C1 2"].map((v) => check("url", v))).toEqual([true, true, true, false, false]);
    expect(["08:30:00", "8:30", "24:00:00"].map((v) => check("partial-time", v))).toEqual([true, false, false]);
    expect(["Europe/Paris", "Mars/Olympus"].map((v) => check("tzinfo", v))).toEqual([true, false]);
    expect(["octo-org/octo-repo", "octo-repo"].map((v) => check("repo.nwo", v))).toEqual([true, false]);
    expect(Object.values(UNCHECKED_FORMATS).every((f) => f.why.length > 20)).toBe(true);
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

  it("take an argument Slack calls JSON as the JSON value in a JSON body, and nothing else structured", async () => {
    const slack = await SlackEmulator.start({ conformance: true });
    closers.push(() => slack.close());
    const ops = slack.createChannel("ops");
    const post = (body: Record<string, unknown>, authorization: string | null = `Bearer ${slack.botToken}`) =>
      fetch(`${slack.apiUrl}chat.postMessage`, { method: "POST", headers: { "content-type": "application/json; charset=utf-8", ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body) });
    const requestErrors = () => takeViolations({ operation: "chat.postMessage", direction: "request" }).flatMap((v) => v.errors);

    await post({ channel: ops.id, text: "hi", blocks: [{ type: "section", text: { type: "mrkdwn", text: "hi" } }], metadata: { event_type: "deploy", event_payload: {} } });
    expect(requestErrors()).toEqual([]);
    await post({ channel: { id: ops.id }, text: "hi", blocks: { type: "section" } });
    expect(requestErrors()).toEqual([`argument "channel" must be a string, got {"id":"${ops.id}"}`, 'argument "blocks" must be a JSON array, got a JSON object']);
    await post({ channel: ops.id, text: "hi", token: slack.botToken }, null);
    expect(requestErrors()).toEqual([expect.stringMatching(/^a JSON body, but no Authorization: Bearer header/)]);

    const web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, logger: silent as never, retryConfig: { retries: 0 } });
    await web.apiCall("chat.postMessage", { channel: ops.id, text: "hi", blocks: "[{not json" }).catch(() => undefined);
    expect(requestErrors()).toEqual(['argument "blocks" must be a JSON-encoded array, got "[{not json"']);
    takeViolations({ operation: "chat.postMessage", direction: "response" });
  });

  it("catch a body on a 304, which never has one", async () => {
    const gh = await GitHubEmulator.start({ conformance: true });
    closers.push(() => gh.close());
    gh.addToken("ghp_x", { login: "bot" });
    gh.inject({ operation: "GET /user", status: 304, body: { message: "Not Modified" } });
    await new Octokit({ baseUrl: gh.url, auth: "ghp_x", log: { debug() {}, info() {}, warn() {}, error() {} } }).users.getAuthenticated().catch(() => undefined);
    expect(takeViolations({ provider: "github", direction: "response", status: 304 }).map((v) => v.message)).toEqual(["the description says HTTP 304 of GET /user has no JSON body, but the emulator sent one"]);
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
