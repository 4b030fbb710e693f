/**
 * The conformance registry: violations found by the emulators' conformance checks, and which
 * operations were validated. It lives on `globalThis` under `Symbol.for("botyard:conformance")`,
 * so two copies of this module (a setup file loaded from source, emulators from `dist`, or two
 * installed versions of @botyard/testing) share one registry.
 */

export type ConformanceProvider = "slack" | "github" | "pagerduty";

/** What was checked: a request the emulator received, an answer it sent, an event it delivered, or whether it implements the call at all. */
export type ConformanceDirection = "request" | "response" | "event" | "coverage";

export interface ConformanceViolation {
  provider: ConformanceProvider;
  /** `chat.postMessage`, `GET /repos/{owner}/{repo}/pulls`, `GET /oncalls`, `events_api message`... */
  operation: string;
  direction: ConformanceDirection;
  /** HTTP status of the answer, for response violations. */
  status?: number;
  /** One line: what does not conform. */
  message: string;
  /** The individual schema errors (`/messages/0/ts must match pattern ...`). */
  errors: string[];
  at: number;
}

/**
 * Per operation: how many requests passed validation, and how many answers (or, for Events API
 * payloads, deliveries) passed, by kind: an HTTP status (`200`, `404`), for Slack's Web API `ok`,
 * `ok:false` or `429 ratelimited`, for events what they were checked against.
 */
export interface ValidatedOperation {
  requests: number;
  responses: Record<string, number>;
}

/** Counts of one process since it last handed them over (see `takeRunCounts`), per provider. */
export interface RunCounts {
  /** Requests, answers and delivered events that passed validation. */
  requests: number;
  responses: number;
  events: number;
  /** Violations recorded, whether a test then took them on purpose or they failed it. */
  recorded: number;
  operations: Record<string, ValidatedOperation>;
}

interface Tally {
  requests: number;
  responses: Map<string, number>;
}

interface Registry {
  violations: ConformanceViolation[];
  /** `enableConformance()` overrides the environment variable. */
  forced: boolean | undefined;
  /** What `validatedOperations()` reports; `resetValidated()` clears it. */
  validated: Record<ConformanceProvider, Map<string, Tally>>;
  /** The same counts for the test-run summary, handed over (and cleared) by `takeRunCounts()` only. */
  run: Record<ConformanceProvider, { tallies: Map<string, Tally>; events: number; recorded: number }>;
  /** Structural comparisons with recorded samples, by shape (`chat.postMessage`, `event message.channel_join`). */
  shapes: Map<string, ShapeTally>;
}

/** What comparing one shape's answers or payloads with its recorded sample found, added up. */
export interface ShapeTally {
  /** Answers or payloads compared. */
  count: number;
  compared: Set<string>;
  missing: Set<string>;
  typeDiffers: Set<string>;
}

const PROVIDERS: readonly ConformanceProvider[] = ["slack", "github", "pagerduty"];

const KEY = Symbol.for("botyard:conformance");

function emptyTallies(): Record<ConformanceProvider, Map<string, Tally>> {
  return { slack: new Map(), github: new Map(), pagerduty: new Map() };
}

function emptyRun(): Registry["run"] {
  const one = () => ({ tallies: new Map<string, Tally>(), events: 0, recorded: 0 });
  return { slack: one(), github: one(), pagerduty: one() };
}

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = holder[KEY];
  if (!r) {
    r = { violations: [], forced: undefined, validated: emptyTallies(), run: emptyRun(), shapes: new Map() };
    holder[KEY] = r;
  }
  // A registry made by an older copy of this module (another installed version) lacks the run counts.
  r.run ??= emptyRun();
  r.shapes ??= new Map();
  return r;
}

/** The environment variable that switches conformance mode on (`1`, `true`, `on`) or off. */
export const CONFORMANCE_ENV = "BOTYARD_CONFORMANCE";

/**
 * Whether emulators started now check what they receive and send against the providers' API
 * descriptions: on when `BOTYARD_CONFORMANCE` is `1`/`true`/`on`, or after `enableConformance()`.
 */
export function conformanceEnabled(): boolean {
  const forced = registry().forced;
  if (forced !== undefined) return forced;
  const value = (process.env[CONFORMANCE_ENV] ?? "").trim().toLowerCase();
  return value === "1" || value === "true" || value === "on" || value === "yes";
}

/** Switch conformance mode on (or off) for emulators started from now on, whatever the environment says. */
export function enableConformance(on = true): void {
  registry().forced = on;
}

export function recordViolation(violation: Omit<ConformanceViolation, "at">): void {
  const r = registry();
  r.violations.push({ ...violation, at: Date.now() });
  r.run[violation.provider].recorded++;
}

/** Violations recorded so far (and not yet taken). */
export function conformanceViolations(): readonly ConformanceViolation[] {
  return [...registry().violations];
}

export type ViolationFilter = Partial<Pick<ConformanceViolation, "provider" | "operation" | "direction" | "status">> | ((v: ConformanceViolation) => boolean);

/**
 * Remove and return the violations matching `filter` (all of them without one). A test that sends
 * a deliberately malformed request takes the violation it expects, so that only unexpected ones
 * fail it:
 *
 * ```ts
 * await web.apiCall("chat.postMessage", {}).catch(() => {});
 * expect(takeViolations({ operation: "chat.postMessage", direction: "request" })).toHaveLength(1);
 * ```
 */
export function takeViolations(filter?: ViolationFilter): ConformanceViolation[] {
  const r = registry();
  const matches = (v: ConformanceViolation): boolean => {
    if (!filter) return true;
    if (typeof filter === "function") return filter(v);
    return (Object.keys(filter) as (keyof typeof filter)[]).every((k) => filter[k] === v[k]);
  };
  const taken = r.violations.filter(matches);
  r.violations = r.violations.filter((v) => !matches(v));
  return taken;
}

export class ConformanceError extends Error {
  constructor(readonly violations: ConformanceViolation[]) {
    super(formatViolations(violations));
    this.name = "ConformanceError";
  }
}

/** Throw a `ConformanceError` listing (and clearing) every violation recorded so far; do nothing when there is none. */
export function expectConformance(): void {
  const violations = takeViolations();
  if (violations.length) throw new ConformanceError(violations);
}

export function formatViolations(violations: readonly ConformanceViolation[]): string {
  const lines = [
    `${violations.length} conformance violation(s): an emulator received or sent something the provider's API description does not allow.`,
    "Fix the emulator or the caller; if the description itself is wrong, add an erratum with its source to packages/testing/specs/errata.json.",
  ];
  for (const v of violations) {
    lines.push(`- [${v.provider}] ${v.operation} ${v.direction}${v.status !== undefined ? ` (HTTP ${v.status})` : ""}: ${v.message}`);
    for (const e of v.errors.slice(0, 12)) lines.push(`    ${e}`);
    if (v.errors.length > 12) lines.push(`    ... ${v.errors.length - 12} more`);
  }
  return lines.join("\n");
}

function count(tallies: Map<string, Tally>, operation: string, what: { request: true } | { response: string } | { event: string }): void {
  let tally = tallies.get(operation);
  if (!tally) {
    tally = { requests: 0, responses: new Map() };
    tallies.set(operation, tally);
  }
  if ("request" in what) tally.requests++;
  else {
    const kind = "response" in what ? what.response : what.event;
    tally.responses.set(kind, (tally.responses.get(kind) ?? 0) + 1);
  }
}

/** Note that an operation's request, an answer of one kind, or a delivered event (by what it was checked against) passed validation. */
export function noteValidated(provider: ConformanceProvider, operation: string, what: { request: true } | { response: string } | { event: string }): void {
  const r = registry();
  count(r.validated[provider], operation, what);
  count(r.run[provider].tallies, operation, what);
  if ("event" in what) r.run[provider].events++;
}

function snapshot(tallies: Map<string, Tally>): Record<string, ValidatedOperation> {
  const out: Record<string, ValidatedOperation> = {};
  for (const [operation, tally] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
    out[operation] = { requests: tally.requests, responses: Object.fromEntries([...tally.responses].sort(([a], [b]) => a.localeCompare(b))) };
  }
  return out;
}

/** What was validated so far in this process (since `resetValidated()`), per provider and operation. */
export function validatedOperations(): Record<ConformanceProvider, Record<string, ValidatedOperation>> {
  const r = registry();
  return { slack: snapshot(r.validated.slack), github: snapshot(r.validated.github), pagerduty: snapshot(r.validated.pagerduty) };
}

/** Forget what was validated (not the violations, and not the counts kept for the test-run summary). */
export function resetValidated(): void {
  for (const map of Object.values(registry().validated)) map.clear();
}

/** This process's counts for the test-run summary, since they were last handed over. */
export function runCounts(): Record<ConformanceProvider, RunCounts> {
  const r = registry();
  const out = {} as Record<ConformanceProvider, RunCounts>;
  for (const provider of PROVIDERS) {
    const run = r.run[provider];
    const operations = snapshot(run.tallies);
    const values = Object.values(operations);
    out[provider] = {
      requests: values.reduce((n, v) => n + v.requests, 0),
      responses: values.reduce((n, v) => n + Object.values(v.responses).reduce((a, b) => a + b, 0), 0) - run.events,
      events: run.events,
      recorded: run.recorded,
      operations,
    };
  }
  return out;
}

/**
 * Hand over, and clear, this process's counts for the test-run summary: the vitest setup file
 * takes them after each test file, so a worker that runs several files counts each call once.
 */
export function takeRunCounts(): Record<ConformanceProvider, RunCounts> {
  const out = runCounts();
  registry().run = emptyRun();
  return out;
}

/** Add one structural comparison's outcome to its shape's tally. */
export function recordShape(shape: string, diff: { compared: Set<string>; missing: Set<string>; typeDiffers: Set<string> }): void {
  const shapes = registry().shapes;
  let tally = shapes.get(shape);
  if (!tally) {
    tally = { count: 0, compared: new Set(), missing: new Set(), typeDiffers: new Set() };
    shapes.set(shape, tally);
  }
  tally.count++;
  for (const key of ["compared", "missing", "typeDiffers"] as const) for (const p of diff[key]) tally[key].add(p);
}

/** The structural comparisons so far (since `resetShapes()`), by shape. */
export function shapeTallies(): Record<string, ShapeTally> {
  return Object.fromEntries([...registry().shapes].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, { ...v, compared: new Set(v.compared), missing: new Set(v.missing), typeDiffers: new Set(v.typeDiffers) }]));
}

export function resetShapes(): void {
  registry().shapes.clear();
}
