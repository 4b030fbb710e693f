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

/** Per operation: whether its request was validated, and the answers validated, by kind (`200`, `ok:false`, `429`...). */
export interface ValidatedOperation {
  request: boolean;
  responses: string[];
}

interface Registry {
  violations: ConformanceViolation[];
  /** `enableConformance()` overrides the environment variable. */
  forced: boolean | undefined;
  validated: Record<ConformanceProvider, Map<string, { request: boolean; responses: Set<string> }>>;
}

const KEY = Symbol.for("botyard:conformance");

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = holder[KEY];
  if (!r) {
    r = { violations: [], forced: undefined, validated: { slack: new Map(), github: new Map(), pagerduty: new Map() } };
    holder[KEY] = r;
  }
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
  registry().violations.push({ ...violation, at: Date.now() });
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

/** Note that an operation's request, or an answer of one kind, passed through validation. */
export function noteValidated(provider: ConformanceProvider, operation: string, what: { request: true } | { response: string }): void {
  const map = registry().validated[provider];
  let entry = map.get(operation);
  if (!entry) {
    entry = { request: false, responses: new Set() };
    map.set(operation, entry);
  }
  if ("request" in what) entry.request = true;
  else entry.responses.add(what.response);
}

/** What was validated so far in this process, per provider and operation. */
export function validatedOperations(): Record<ConformanceProvider, Record<string, ValidatedOperation>> {
  const out = { slack: {}, github: {}, pagerduty: {} } as Record<ConformanceProvider, Record<string, ValidatedOperation>>;
  for (const provider of ["slack", "github", "pagerduty"] as const) {
    for (const [operation, entry] of registry().validated[provider]) {
      out[provider][operation] = { request: entry.request, responses: [...entry.responses].sort() };
    }
  }
  return out;
}

/** Forget what was validated (not the violations). */
export function resetValidated(): void {
  for (const map of Object.values(registry().validated)) map.clear();
}
