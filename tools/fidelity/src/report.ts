import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { GitHubEmulator, PagerDutyEmulator, SlackEmulator } from "@botyard/testing";
import { formatViolations } from "@botyard/testing/conformance";
import {
  GRAPHQL_OPERATION,
  graphQLSchemaVersion,
  IMPLEMENTED_FIELDS,
  loadSpec,
  PROVIDER_FORMATS,
  readErrata,
  SPECS,
  specPath,
  specVersion,
  UNCHECKED_FORMATS,
  VALIDATOR_SETTINGS,
  type SpecName,
} from "@botyard/testing/fidelity-sources";
import { type CallSite, templateCovers } from "./call-sites.js";
import type { ExerciseResult } from "./exercise.js";
import { renderStructural } from "./structural-report.js";

type Provider = "slack" | "github" | "pagerduty";

const PROVIDERS: { id: Provider; title: string; specs: SpecName[]; implemented: () => readonly string[] }[] = [
  { id: "slack", title: "Slack", specs: ["slack-web-api", "slack-events-api", "slack-event-wrapper"], implemented: () => SlackEmulator.implementedMethods },
  { id: "github", title: "GitHub", specs: ["github-rest"], implemented: () => GitHubEmulator.implementedOperations() },
  { id: "pagerduty", title: "PagerDuty", specs: ["pagerduty-rest"], implemented: () => PagerDutyEmulator.implementedOperations() },
];

const NOT_COVERED: Record<Provider, string[]> = {
  slack: [
    "`response_url` posts (replies to slash commands and button clicks) and the Socket Mode envelope itself (`hello`, `disconnect`, `envelope_id`, acks): Slack publishes no machine-readable description of them. Slash command and `block_actions` payloads have none either; they are compared with Slack's recorded samples only (above).",
    "The AsyncAPI topics describe the event wrapper only (`GenericEventWrapper`: `type` and `event_ts` inside `event`), so the fields of each event (a `message` event's text, blocks, thread fields...) are checked only against Slack's recorded samples (above), for the key paths and JSON types they show; the one detailed payload, topic `message`, describes a file comment deletion and is used only for message events without a `channel_type`.",
    "The recorded samples merge many circumstances into one payload per method and event, with placeholder values: values, enumerations and which keys go together are not checked by them, and Block Kit content is compared only for each block's `type` and `block_id` (the rest is what the poster sent).",
    "Parts of Slack's description that encode alternatives as `items: [...]` on objects (its draft-04-era style: `objs_conversation`, `objs_user`, `objs_response_metadata`, `reactions.get`, `conversations.open`): under JSON Schema these constrain nothing, so channel and user objects are not checked field by field.",
    "Block Kit inside `blocks`: the description only says each block is an object with a `type` (the emulator checks the common Block Kit rules itself).",
    "HTTP 5xx answers (scripted outages): no description covers them.",
  ],
  github: [
    "Response headers other than the rate-limit headers (`x-ratelimit-*`, and `retry-after` on secondary limits) and `Link` pagination are not checked against the description.",
    "HTTP 5xx answers (scripted outages) are not validated; dropped connections have no answer to validate.",
    "Request headers GitHub documents outside the description (`Accept: application/vnd.github+json`, `X-GitHub-Api-Version`) are not checked; header parameters the description declares would be (see \"Validator settings\").",
    "ETags are weak validators computed over the answer's body (and the caller's token) and sent on GET answers only; GitHub's own may also come with write answers. A 304 is answered to a matching `If-None-Match` and not counted against the primary rate limit; `If-Modified-Since` is not emulated.",
    "GraphQL: mutations, and the fields not listed under \"GraphQL API\" above, are not answered (asking for one is a coverage violation). Error messages are the reference implementation's wording, not GitHub's; the point cost follows GitHub's published formula (connections' `first`/`last`, at least 1 point) and may differ from GitHub's own count for unusual queries.",
  ],
  pagerduty: [
    "HTTP 5xx answers (scripted outages): the description documents none for these operations.",
    "Rate-limit headers (`ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset`) are documented outside the description and not checked.",
  ],
};

function fileDigest(name: SpecName): string {
  return createHash("sha256").update(readFileSync(specPath(name))).digest("hex").slice(0, 12);
}

function total(counts: Record<string, number> | undefined): number {
  return Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
}

/** `` `200` ×3, `404` ×1 ``, or "none". */
function kinds(counts: Record<string, number> | undefined): string {
  const entries = Object.entries(counts ?? {});
  return entries.length ? entries.map(([kind, n]) => `\`${kind}\` ×${n}`).join(", ") : "none";
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function inDescription(provider: Provider, operation: string): boolean {
  if (provider === "slack") return Boolean((loadSpec("slack-web-api").doc.paths as Record<string, unknown>)[`/${operation}`]);
  const space = operation.indexOf(" ");
  const spec = provider === "github" ? loadSpec("github-rest") : loadSpec("pagerduty-rest");
  const item = (spec.doc.paths as Record<string, Record<string, unknown>>)[operation.slice(space + 1)];
  return Boolean(item?.[operation.slice(0, space).toLowerCase()]);
}

/** The header parameters the implemented operations declare (in the description, errata applied). */
function declaredHeaders(provider: "github" | "pagerduty", implemented: readonly string[]): string[] {
  const spec = loadSpec(provider === "github" ? "github-rest" : "pagerduty-rest");
  const names = new Set<string>();
  for (const op of implemented) {
    const space = op.indexOf(" ");
    const item = (spec.doc.paths as Record<string, Record<string, { parameters?: unknown[] } | undefined>>)[op.slice(space + 1)];
    const shared = (item as { parameters?: unknown[] } | undefined)?.parameters ?? [];
    const params = [...shared, ...(item?.[op.slice(0, space).toLowerCase()]?.parameters ?? [])];
    for (const p of params) {
      const param = (p as { $ref?: string }).$ref ? spec.resolve<{ in?: string; name?: string; required?: boolean }>((p as { $ref: string }).$ref) : (p as { in?: string; name?: string; required?: boolean });
      if (param?.in === "header" && param.name) names.add(`${param.name}${param.required ? " (required)" : ""}`);
    }
  }
  return [...names].sort();
}

function rawInDescription(provider: Provider, operation: string, raw: Map<SpecName, Record<string, unknown>>): boolean {
  const name: SpecName = provider === "slack" ? "slack-web-api" : provider === "github" ? "github-rest" : "pagerduty-rest";
  let doc = raw.get(name);
  if (!doc) {
    doc = JSON.parse(readFileSync(specPath(name), "utf8")) as Record<string, unknown>;
    raw.set(name, doc);
  }
  const paths = doc.paths as Record<string, Record<string, unknown>>;
  if (provider === "slack") return Boolean(paths[`/${operation}`]);
  const space = operation.indexOf(" ");
  return Boolean(paths[operation.slice(space + 1)]?.[operation.slice(0, space).toLowerCase()]);
}

/** The fidelity report (docs/testing/emulator-fidelity.md): deterministic for a given code base. */
export function renderReport(result: ExerciseResult, callSites: CallSite[]): string {
  const errata = readErrata().errata;
  const raw = new Map<SpecName, Record<string, unknown>>();
  const lines: string[] = [
    "# Emulator fidelity",
    "",
    "<!-- Generated by `pnpm fidelity` (tools/fidelity/src/generate.ts); a test fails when this file is stale. Do not edit by hand. -->",
    "",
    "Every Botyard test runs the real Slack, GitHub and PagerDuty clients against the emulators in `@botyard/testing`. In conformance mode (on for the whole suite: `BOTYARD_CONFORMANCE=1` in the root `vitest.config.ts`, with `@botyard/testing/vitest-setup`) each emulator checks every request it receives and every answer it sends against the provider's own API description, with the errata below applied, and a test fails when anything it caused does not conform.",
    "",
    "Where the figures come from:",
    "",
    "- **This report** comes from a scripted tour of every implemented operation (`tools/fidelity/src/exercise.ts`) with the real clients, in conformance mode. The tour is deterministic, so `pnpm fidelity` reproduces this file byte for byte and a test fails when the committed file differs. Its counts are the tour's: per operation, how many requests it made the emulator validate, and how many answers of each kind (HTTP status, or for Slack `ok`, `ok:false`, `429 ratelimited`) and Slack events passed validation.",
    "- **The test suite** validates far more, and its figures change with every test added, so they are not committed: each `pnpm test` adds up, per provider, the requests, responses and events validated and the violations that failed tests, prints them at the end of the run, writes them to `.botyard/conformance/last-run.json` (gitignored), and fails the run when any violation got through (`packages/testing/src/conformance/vitest-global-setup.ts`). Each violation also fails the test that caused it.",
    "",
    "\"Called by Botyard\" is found by scanning the non-test sources of every package, the host and the examples for Slack methods, Octokit calls and PagerDuty paths; a test fails when one of them is not implemented by its emulator.",
    "",
    `Violations in the tour: **${result.violations.length}** (must be 0).`,
    "",
  ];
  if (result.violations.length) lines.push("```", formatViolations(result.violations), "```", "");

  for (const provider of PROVIDERS) {
    lines.push(`## ${provider.title}`, "", "Descriptions:", "");
    for (const name of provider.specs) {
      const info = SPECS[name];
      const version = specVersion(name);
      const where = info.npm ? `\`${info.npm}@${version ?? "?"}\`, \`${info.file}\`` : `\`packages/testing/specs/${info.file}\` (sha256 ${fileDigest(name)}…)`;
      lines.push(`- ${info.title}: ${where}, from ${info.origin}`);
    }
    lines.push("");

    const implemented = [...provider.implemented()].sort();
    const validated = result.validated[provider.id];
    const calledBy = (op: string) =>
      callSites
        .filter((s) => s.provider === provider.id && (provider.id === "slack" ? s.operation === op : templateCovers(op, s.operation)))
        .map((s) => s.file)
        .filter((f, i, all) => all.indexOf(f) === i)
        .sort();
    lines.push(`Implemented: ${implemented.length} ${provider.id === "slack" ? "Web API methods" : "operations"}.`, "");
    const ops = implemented.map((op) => validated[op]);
    const requests = ops.reduce((n, v) => n + (v?.requests ?? 0), 0);
    const answers = ops.reduce((n, v) => n + total(v?.responses), 0);
    const events = Object.entries(validated)
      .filter(([op]) => op.startsWith("events_api "))
      .reduce((n, [, v]) => n + total(v.responses), 0);
    const violations = result.violations.filter((v) => v.provider === provider.id).length;
    lines.push(`In the tour: ${requests} requests and ${answers} answers validated${provider.id === "slack" ? `, ${events} Events API payloads` : ""}; violations: **${violations}** (must be 0).`, "");
    lines.push("| operation | in the description | requests validated | answers validated | called by Botyard |", "|---|---|---|---|---|");
    for (const op of implemented) {
      const v = validated[op];
      const graphql = provider.id === "github" && op === GRAPHQL_OPERATION;
      const inRaw = !graphql && rawInDescription(provider.id, op, raw);
      const described = graphql ? "GraphQL schema (below)" : inRaw ? "yes" : inDescription(provider.id, op) ? "via erratum" : "no";
      const callers = calledBy(op);
      lines.push(`| \`${cell(op)}\` | ${described} | ${v?.requests ?? 0} | ${kinds(v?.responses)} | ${callers.length ? callers.map((f) => `\`${f}\``).join("<br>") : "—"} |`);
    }
    lines.push("");

    if (provider.id === "slack") {
      const eventOps = Object.entries(validated)
        .filter(([op]) => op.startsWith("events_api "))
        .sort(([a], [b]) => a.localeCompare(b));
      lines.push("Events API payloads delivered over Socket Mode:", "", "| event | validated against |", "|---|---|");
      for (const [op, v] of eventOps) lines.push(`| \`${op.slice("events_api ".length)}\` | ${kinds(v.responses)} |`);
      lines.push("", ...renderStructural(result));
    }

    if (provider.id === "github") {
      lines.push(
        `GraphQL API (\`POST /graphql\`; \`POST /api/graphql\` for a GitHub Enterprise Server base URL): every query is parsed and validated against GitHub's published schema, \`@octokit/graphql-schema@${graphQLSchemaVersion() ?? "?"}\` (\`schema.json\`, generated from GitHub's public schema), with the reference implementation (\`graphql\`), and executed by it against the same repository model as the REST endpoints; a query that does not validate is a request violation, a field the emulator does not answer a coverage violation. GitHub's own rules on top: \`first\` or \`last\` (1 to 100) on every connection, at most 500,000 nodes, points spent per query from the token's GraphQL budget (\`x-ratelimit-resource: graphql\`, \`rateLimit { cost remaining }\`), \`RATE_LIMITED\` answered with HTTP 200, \`NOT_FOUND\` errors for unknown repositories and pull requests. Answers conform to the schema by construction (the reference implementation shapes them); the rate-limit header rule above is checked on them too.`,
        "",
        "| type | fields answered |",
        "|---|---|",
        ...Object.entries(IMPLEMENTED_FIELDS).map(([type, fields]) => `| \`${type}\` | ${fields.map((f) => `\`${f}\``).join(", ")} |`),
        "",
      );
    }

    const unimplementedCalls = callSites.filter(
      (s) => s.provider === provider.id && !implemented.some((op) => (provider.id === "slack" ? op === s.operation : templateCovers(op, s.operation))),
    );
    lines.push(`Calls in Botyard's code the emulator does not implement: ${unimplementedCalls.length ? unimplementedCalls.map((s) => `\`${s.operation}\` (${s.file}:${s.line})`).join(", ") : "none"}.`, "");

    const mine = errata.filter((e) => provider.specs.includes(e.spec));
    lines.push(`Errata (${mine.length}, in \`packages/testing/specs/errata.json\`):`, "");
    if (!mine.length) lines.push("None.");
    for (const e of mine) lines.push(`- **${e.id}** — ${cell(e.why)} Source: <${e.source}>${e.evidence?.length ? `; see also ${e.evidence.map((page) => `<${page}>`).join(", ")}` : ""}`);
    lines.push("", "Validator settings (how the description is read; `packages/testing/src/conformance/validator-settings.ts`):", "");
    for (const setting of Object.values(VALIDATOR_SETTINGS)) {
      if (!(setting.providers as readonly string[]).includes(provider.id)) continue;
      lines.push(`- ${setting.rule} ${setting.why}${"source" in setting ? ` Source: <${setting.source}>` : ""}`);
    }
    const formats = [...new Set(provider.specs.flatMap((name) => [...loadSpec(name).formats]))].sort();
    const own = formats.filter((f) => PROVIDER_FORMATS[f]);
    const unchecked = formats.filter((f) => UNCHECKED_FORMATS[f]);
    const standard = formats.filter((f) => !PROVIDER_FORMATS[f] && !UNCHECKED_FORMATS[f]);
    lines.push(`- Formats validated as JSON Schema and OpenAPI define them (ajv-formats): ${standard.length ? standard.map((f) => `\`${f}\``).join(", ") : "none"}.`);
    for (const f of own) lines.push(`- Format ${PROVIDER_FORMATS[f]!.rule}.`);
    for (const f of unchecked) lines.push(`- Format \`${f}\` is not checked: ${UNCHECKED_FORMATS[f]!.why}.`);
    if (provider.id !== "slack") {
      const headers = declaredHeaders(provider.id, implemented);
      lines.push(`- Request headers checked: those the implemented operations declare as parameters (${headers.length ? headers.map((h) => `\`${h}\``).join(", ") : "none declared"}).`);
    }
    lines.push("", "Not covered:", "");
    for (const item of NOT_COVERED[provider.id]) lines.push(`- ${item}`);
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

