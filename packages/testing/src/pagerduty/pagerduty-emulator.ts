import { HttpBackedEmulator } from "../emulator/http-backed-emulator.js";
import {
  HttpEmulator,
  type EmulatorRequest,
  type EmulatorResponse,
  type Fault,
  type RecordedCall,
  type Router,
} from "../emulator/http-emulator.js";
import { OpenApiConformance } from "../conformance/openapi-conformance.js";
import { conformanceEnabled } from "../conformance/registry.js";
import {
  PagerDutyAccount,
  formatTime,
  isTimeZone,
  toMillis,
  type OnCallRecord,
  type OnCallShift,
  type PdEscalationPolicy,
  type PdSchedule,
  type PdUser,
  type ScheduleInit,
  type TimeInput,
} from "./schedule-model.js";

import { policyObject, ref, scheduleObject, userObject, type PagerDutyJsonContext } from "./pagerduty-json.js";
import { ArgumentError, defaultErrorBody, ERRORS, notFound, ok, type PagerDutyErrorBody } from "./pagerduty-errors.js";
import { boolParam, byName, coverage, decode, listParam, matches, paging, timeParam, zoneParam } from "./query-params.js";

import type { OnCallTarget, PagerDutyEmulatorOptions, PagerDutyOutage } from "./pagerduty-emulator-options.js";

export type { OnCallTarget, PagerDutyEmulatorOptions, PagerDutyOutage } from "./pagerduty-emulator-options.js";
export { pagerDutyError, type PagerDutyErrorBody } from "./pagerduty-errors.js";
export type {
  OnCallRecord,
  OnCallShift,
  PagerDutyAccount,
  PdEscalationPolicy,
  PdSchedule,
  PdScheduleLink,
  PdUser,
  ScheduleInit,
  TimeInput,
} from "./schedule-model.js";

export const DEFAULT_PAGERDUTY_TOKEN = "pd-test-token";

/** Rate limit PagerDuty reports in `ratelimit-limit` for a user token (per minute). */
const RATE_LIMIT = 960;
const HORIZON_MS = 90 * 86_400_000;
const TWO_WEEKS_MS = 14 * 86_400_000;


/**
 * PagerDuty REST API v2 emulator: the read side an on-call integration uses (`GET /oncalls`,
 * users, schedules, escalation policies), answering in the shapes of PagerDuty's OpenAPI
 * description, behind PagerDuty's token auth, with scripted outages.
 *
 * ```ts
 * const pd = await PagerDutyEmulator.start();
 * const alice = pd.addUser({ name: "Alice", email: "alice@example.com" });
 * const primary = pd.addSchedule({ name: "Primary" });
 * pd.setOnCall(primary.id, [{ userId: alice.id, start: "2030-01-01T00:00:00Z", end: "2030-01-08T00:00:00Z" }]);
 * await fetch(`${pd.url}/oncalls?schedule_ids[]=${primary.id}`, { headers: { Authorization: `Token token=${pd.token}` } });
 * ```
 */
export class PagerDutyEmulator extends HttpBackedEmulator {
  readonly http: HttpEmulator;
  readonly token: string;
  /** The account behind the API; tests normally use the methods below instead. */
  readonly account: PagerDutyAccount;
  private readonly clock: () => Date;
  private readonly htmlBase: string;

  constructor(options: Omit<PagerDutyEmulatorOptions, "port"> = {}) {
    super();
    const timeZone = options.timeZone ?? "Etc/UTC";
    if (!isTimeZone(timeZone)) throw new Error(`PagerDuty emulator: unknown time zone ${timeZone}`);
    this.token = options.token ?? DEFAULT_PAGERDUTY_TOKEN;
    this.clock = options.now ?? (() => new Date());
    this.htmlBase = `https://${options.subdomain ?? "botyard-test"}.pagerduty.com`;
    this.account = new PagerDutyAccount(timeZone);
    const operations = this.routes.map((r) => r.operation);
    const conformance = options.conformance ?? conformanceEnabled();
    this.http = new HttpEmulator(
      "PagerDuty",
      this.router,
      conformance ? new OpenApiConformance({ provider: "pagerduty", spec: "pagerduty-rest", operations: () => operations, checkHeaders: true }) : undefined,
    );
  }

  /** The REST operations the emulator implements (`GET /oncalls`, `GET /users/{id}`...). */
  static implementedOperations(): string[] {
    return new PagerDutyEmulator({ conformance: false }).routes.map((r) => r.operation);
  }

  static async start(options: PagerDutyEmulatorOptions = {}): Promise<PagerDutyEmulator> {
    const pd = new PagerDutyEmulator(options);
    await pd.http.start(options.port ?? 0);
    return pd;
  }

  now(): Date {
    return this.clock();
  }

  private get json(): PagerDutyJsonContext {
    return { account: this.account, api: this.url, html: this.htmlBase };
  }

  // --- account state -------------------------------------------------------------------------

  addUser(input: { id?: string; name: string; email: string; timeZone?: string; role?: string; jobTitle?: string }): PdUser {
    return this.account.addUser(input);
  }

  /**
   * Add a schedule. With `escalationPolicyId` the policy targets it (at `escalationLevel`, default
   * 1); without, the first `setOnCall` creates a policy "<name> Escalation Policy" for it, since
   * PagerDuty only reports on-calls through escalation policies.
   */
  addSchedule(input: ScheduleInit): PdSchedule {
    return this.account.addSchedule(input);
  }

  addEscalationPolicy(input: { id?: string; name: string; description?: string }): PdEscalationPolicy {
    return this.account.addEscalationPolicy(input);
  }

  /**
   * Declare who is on call, as PagerDuty resolves it (layers and overrides already applied).
   *
   * - For a schedule: replaces all of its shifts. Each shift is reported under every policy and
   *   level that targets the schedule, unless the shift names `policyId` (and `level`).
   * - For an escalation policy: replaces the users it targets directly; leave `start`/`end` out
   *   (or `null`) for a permanent on-call, reported with `start`/`end` null and no schedule.
   *
   * A bare id string is looked up among schedules first, then escalation policies.
   */
  setOnCall(target: OnCallTarget, shifts: readonly OnCallShift[]): void {
    const { kind, id } = this.resolveTarget(target);
    if (kind === "schedule") this.account.setScheduleShifts(id, shifts);
    else this.account.setPolicyTargets(id, shifts);
  }

  /**
   * Hand the schedule over to `userId` from now until `until`, cutting the shifts in that window
   * (what an override does); later shifts are unchanged.
   */
  handoff(scheduleId: string, userId: string, options: { until: Date | string | number }): void {
    const until = toMillis(options.until, "handoff until");
    if (until === null) throw new Error("PagerDuty emulator: handoff needs `until`");
    this.account.handoff(scheduleId, userId, this.clock().getTime(), until);
  }

  /**
   * Make the next calls fail the way PagerDuty does: 401 (bad token), 403, 429 (with
   * `ratelimit-limit`/`ratelimit-remaining`/`ratelimit-reset`), 5xx, or a dropped connection.
   */
  outage(outage: PagerDutyOutage): void {
    const operation = outage.operation ?? "*";
    const times = outage.times ?? 1;
    if ("drop" in outage) {
      this.http.inject({ operation, times, status: 0, drop: true });
      return;
    }
    const fault: Fault = { operation, times, status: outage.status, body: outage.body ?? defaultErrorBody(outage.status) };
    if (outage.status === 429) {
      fault.headers = {
        "ratelimit-limit": String(RATE_LIMIT),
        "ratelimit-remaining": "0",
        "ratelimit-reset": String(outage.resetSeconds ?? 1),
      };
    }
    this.http.inject(fault);
  }

  private resolveTarget(target: OnCallTarget): { kind: "schedule" | "policy"; id: string } {
    if (typeof target === "string") {
      if (this.account.schedules.has(target)) return { kind: "schedule", id: target };
      if (this.account.policies.has(target)) return { kind: "policy", id: target };
      throw new Error(`PagerDuty emulator: ${target} is neither a schedule nor an escalation policy`);
    }
    if ("scheduleId" in target) return { kind: "schedule", id: target.scheduleId };
    if ("escalationPolicyId" in target) return { kind: "policy", id: target.escalationPolicyId };
    return { kind: target.type === "schedule" ? "schedule" : "policy", id: target.id };
  }

  // --- HTTP ----------------------------------------------------------------------------------

  private readonly routes: ReadonlyArray<{
    operation: string;
    pattern: RegExp;
    handle: (req: EmulatorRequest, id: string) => EmulatorResponse;
  }> = [
    { operation: "GET /oncalls", pattern: /^\/oncalls$/, handle: (req) => this.listOnCalls(req) },
    { operation: "GET /users", pattern: /^\/users$/, handle: (req) => this.listUsers(req) },
    { operation: "GET /users/{id}", pattern: /^\/users\/([^/]+)$/, handle: (_req, id) => this.getUser(id) },
    { operation: "GET /schedules", pattern: /^\/schedules$/, handle: (req) => this.listSchedules(req) },
    { operation: "GET /schedules/{id}", pattern: /^\/schedules\/([^/]+)$/, handle: (req, id) => this.getSchedule(id, req) },
    { operation: "GET /escalation_policies", pattern: /^\/escalation_policies$/, handle: (req) => this.listPolicies(req) },
    { operation: "GET /escalation_policies/{id}", pattern: /^\/escalation_policies\/([^/]+)$/, handle: (_req, id) => this.getPolicy(id) },
  ];

  private readonly router: Router = (req) => {
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, "") : req.path;
    if (req.method === "GET") {
      for (const route of this.routes) {
        const match = route.pattern.exec(path);
        if (match) return this.route(route.operation, req, () => route.handle(req, decode(match[1] ?? "")));
      }
    }
    // PagerDuty answers unknown paths and methods with its own 404 body.
    return this.route(`${req.method} ${req.path}`, req, () => notFound());
  };

  private route(operation: string, req: EmulatorRequest, handle: () => EmulatorResponse) {
    return {
      operation,
      handle: (): EmulatorResponse => {
        if (!this.authorized(req)) return { status: 401, body: ERRORS.unauthorized() };
        try {
          return handle();
        } catch (error) {
          if (error instanceof ArgumentError) return { status: 400, body: error.body };
          throw error;
        }
      },
    };
  }

  private authorized(req: EmulatorRequest): boolean {
    const header = req.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = /^Token token=(.+)$/.exec(value?.trim() ?? "");
    return match?.[1] === this.token;
  }

  private listOnCalls(req: EmulatorRequest): EmulatorResponse {
    const q = req.query;
    const now = this.clock().getTime();
    const timeZone = zoneParam(q, this.account.accountTimeZone);
    let since = timeParam(q, "since");
    let until = timeParam(q, "until");
    if (since !== undefined && until !== undefined && until < since) {
      throw new ArgumentError(ERRORS.invalid("The until time cannot be before the since time."));
    }
    // Each bound defaults to now; a lone bound in the future (or past) makes a window from now to it.
    since ??= until === undefined ? now : Math.min(now, until);
    until ??= Math.max(now, since);

    const include = new Set(listParam(q, "include"));
    const page = paging(q);
    const scheduleIds = listParam(q, "schedule_ids");
    const policyIds = listParam(q, "escalation_policy_ids");
    const userIds = listParam(q, "user_ids");

    const rows = this.account.query({
      since,
      until,
      scheduleIds: scheduleIds.length ? scheduleIds.map((id) => (id === "null" ? null : id)) : undefined,
      policyIds: policyIds.length ? policyIds : undefined,
      userIds: userIds.length ? userIds : undefined,
      earliest: boolParam(q, "earliest") ?? false,
      horizon: now + HORIZON_MS,
    });

    const render = (ms: number | null) => (ms === null ? null : formatTime(ms, timeZone));
    const oncalls = rows.slice(page.offset, page.offset + page.limit).map((r: OnCallRecord) => {
      const user = this.account.user(r.userId);
      const policy = this.account.policy(r.policyId);
      const schedule = r.scheduleId === null ? null : this.account.schedule(r.scheduleId);
      return {
        user: include.has("users") ? userObject(this.json, user) : ref(this.json, "user", user),
        schedule: schedule === null ? null : include.has("schedules") ? scheduleObject(this.json, schedule) : ref(this.json, "schedule", schedule),
        escalation_policy: include.has("escalation_policies") ? policyObject(this.json, policy) : ref(this.json, "escalation_policy", policy),
        escalation_level: r.level,
        start: render(r.start),
        end: render(r.end),
      };
    });
    return ok({ oncalls, ...page.meta(rows.length) });
  }

  private listUsers(req: EmulatorRequest): EmulatorResponse {
    const page = paging(req.query);
    const users = byName([...this.account.users.values()]).filter((u) => matches(req.query, u.name, u.email));
    return ok({ users: users.slice(page.offset, page.offset + page.limit).map((u) => userObject(this.json, u)), ...page.meta(users.length) });
  }

  private getUser(id: string): EmulatorResponse {
    const user = this.account.users.get(id);
    return user ? ok({ user: userObject(this.json, user) }) : notFound();
  }

  private listSchedules(req: EmulatorRequest): EmulatorResponse {
    const page = paging(req.query);
    const schedules = byName([...this.account.schedules.values()]).filter((s) => matches(req.query, s.name));
    return ok({
      schedules: schedules.slice(page.offset, page.offset + page.limit).map((s) => scheduleObject(this.json, s)),
      ...page.meta(schedules.length),
    });
  }

  private getSchedule(id: string, req: EmulatorRequest): EmulatorResponse {
    const schedule = this.account.schedules.get(id);
    if (!schedule) return notFound();
    const q = req.query;
    const timeZone = zoneParam(q, schedule.timeZone);
    const givenSince = timeParam(q, "since");
    const givenUntil = timeParam(q, "until");
    const since = givenSince ?? (givenUntil !== undefined ? givenUntil - TWO_WEEKS_MS : this.clock().getTime());
    const until = givenUntil ?? since + TWO_WEEKS_MS;
    if (until < since) throw new ArgumentError(ERRORS.invalid("The until time cannot be before the since time."));
    const overflow = boolParam(q, "overflow") ?? false;

    const entries = this.account.scheduleEntries(id, since, until);
    const rendered = entries.map((e) => {
      const start = overflow && e.start !== null ? e.start : Math.max(e.start ?? since, since);
      const end = overflow && e.end !== null ? e.end : Math.min(e.end ?? until, until);
      return { user: ref(this.json, "user", this.account.user(e.userId)), start: formatTime(start, timeZone), end: formatTime(end, timeZone) };
    });
    const covered = coverage(entries, since, until);
    const layerUsers = [...new Set(this.account.records.filter((r) => r.scheduleId === id).map((r) => r.userId))];
    const firstStart = Math.min(...this.account.records.filter((r) => r.scheduleId === id).map((r) => r.start ?? since), since);

    return ok({
      schedule: {
        ...scheduleObject(this.json, schedule, timeZone),
        schedule_layers: layerUsers.length
          ? [
              {
                id: `L${id.slice(-6)}`,
                name: "Layer 1",
                start: formatTime(firstStart, timeZone),
                users: layerUsers.map((u) => ({ user: ref(this.json, "user", this.account.user(u)) })),
                restrictions: [],
                rotation_virtual_start: formatTime(firstStart, timeZone),
                rotation_turn_length_seconds: 7 * 86_400,
                rendered_schedule_entries: rendered,
                rendered_coverage_percentage: covered,
              },
            ]
          : [],
        overrides_subschedule: { name: "Overrides", rendered_schedule_entries: [], rendered_coverage_percentage: 0 },
        final_schedule: { name: "Final Schedule", rendered_schedule_entries: rendered, rendered_coverage_percentage: covered },
      },
    });
  }

  private listPolicies(req: EmulatorRequest): EmulatorResponse {
    const page = paging(req.query);
    const userIds = new Set(listParam(req.query, "user_ids"));
    const policies = byName([...this.account.policies.values()]).filter((p) => {
      if (!matches(req.query, p.name)) return false;
      // A policy "has" a user it targets directly or through one of its schedules' shifts.
      return userIds.size === 0 || this.account.records.some((r) => r.policyId === p.id && userIds.has(r.userId));
    });
    return ok({
      escalation_policies: policies.slice(page.offset, page.offset + page.limit).map((p) => policyObject(this.json, p)),
      ...page.meta(policies.length),
    });
  }

  private getPolicy(id: string): EmulatorResponse {
    const policy = this.account.policies.get(id);
    return policy ? ok({ escalation_policy: policyObject(this.json, policy) }) : notFound();
  }

  // --- representations -----------------------------------------------------------------------
}
