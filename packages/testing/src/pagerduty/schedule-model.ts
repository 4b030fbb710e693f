/**
 * The in-memory PagerDuty account behind the emulator: users, schedules, escalation policies and
 * the resolved on-call entries, with the time arithmetic `GET /oncalls` needs. No HTTP here.
 */

/** A point in time as tests write it; `null` (or omitted) means unbounded. */
export type TimeInput = Date | string | number | null | undefined;

export interface PdUser {
  readonly type: "user";
  readonly id: string;
  name: string;
  email: string;
  /** IANA zone, e.g. `Europe/Paris`. */
  timeZone: string;
  role: string;
  color: string;
  jobTitle: string | undefined;
}

export interface PdScheduleLink {
  readonly policyId: string;
  readonly level: number;
}

export interface PdSchedule {
  readonly type: "schedule";
  readonly id: string;
  name: string;
  timeZone: string;
  description: string | undefined;
  /** Escalation rules that target this schedule (policy and level). */
  readonly links: PdScheduleLink[];
}

export interface PdEscalationPolicy {
  readonly type: "escalation_policy";
  readonly id: string;
  name: string;
  description: string | undefined;
}

/** One resolved on-call entry (overrides already applied, as PagerDuty reports them). */
export interface OnCallRecord {
  policyId: string;
  level: number;
  /** `null` for a user targeted directly by the escalation rule. */
  scheduleId: string | null;
  userId: string;
  /** Epoch ms; `null` means "since forever" (a permanent on-call). */
  start: number | null;
  /** Epoch ms, exclusive; `null` means "does not go off call". */
  end: number | null;
}

export interface OnCallShift {
  userId: string;
  /** Omitted or `null`: unbounded (a permanent on-call when both ends are open). */
  start?: TimeInput;
  end?: TimeInput;
  /** Escalation level (1-based); defaults to the level at which the policy targets the schedule, else 1. */
  level?: number;
  /** Escalation policy; defaults to every policy that targets the schedule. */
  policyId?: string;
}

export interface OnCallQuery {
  since: number;
  until: number;
  /** `null` in the list matches direct user targets (PagerDuty's `schedule_ids[]=null`). */
  scheduleIds?: ReadonlyArray<string | null>;
  policyIds?: readonly string[];
  userIds?: readonly string[];
  earliest?: boolean;
  /** Entries starting after this instant are not rendered (PagerDuty stops at 90 days ahead). */
  horizon?: number;
}

const NEG = Number.NEGATIVE_INFINITY;
const POS = Number.POSITIVE_INFINITY;

export function toMillis(value: TimeInput, what = "time"): number | null {
  if (value === null || value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`PagerDuty emulator: invalid ${what}: ${String(value)}`);
  return ms;
}

/** PagerDuty-like ids: `P` and six upper-case base-36 characters (`P00000A`). */
export class IdSequence {
  private n = 0;
  constructor(private readonly taken: (id: string) => boolean) {}
  next(): string {
    for (;;) {
      this.n += 1;
      const id = `P${this.n.toString(36).toUpperCase().padStart(6, "0")}`;
      if (!this.taken(id)) return id;
    }
  }
}

export class PagerDutyAccount {
  readonly users = new Map<string, PdUser>();
  readonly schedules = new Map<string, PdSchedule>();
  readonly policies = new Map<string, PdEscalationPolicy>();
  records: OnCallRecord[] = [];
  private readonly ids = new IdSequence(
    (id) => this.users.has(id) || this.schedules.has(id) || this.policies.has(id),
  );

  constructor(readonly accountTimeZone: string) {}

  private newId(id: string | undefined, kind: string): string {
    if (id === undefined) return this.ids.next();
    if (!id) throw new Error(`PagerDuty emulator: empty ${kind} id`);
    if (this.users.has(id) || this.schedules.has(id) || this.policies.has(id)) {
      throw new Error(`PagerDuty emulator: id ${id} is already taken`);
    }
    return id;
  }

  addUser(input: { id?: string; name: string; email: string; timeZone?: string; role?: string; color?: string; jobTitle?: string }): PdUser {
    assertTimeZone(input.timeZone);
    const user: PdUser = {
      type: "user",
      id: this.newId(input.id, "user"),
      name: input.name,
      email: input.email,
      timeZone: input.timeZone ?? this.accountTimeZone,
      role: input.role ?? "user",
      color: input.color ?? "purple",
      jobTitle: input.jobTitle,
    };
    this.users.set(user.id, user);
    return user;
  }

  addEscalationPolicy(input: { id?: string; name: string; description?: string }): PdEscalationPolicy {
    const policy: PdEscalationPolicy = {
      type: "escalation_policy",
      id: this.newId(input.id, "escalation policy"),
      name: input.name,
      description: input.description,
    };
    this.policies.set(policy.id, policy);
    return policy;
  }

  addSchedule(input: ScheduleInit): PdSchedule {
    assertTimeZone(input.timeZone);
    if (input.escalationPolicyId !== undefined) this.policy(input.escalationPolicyId);
    const schedule: PdSchedule = {
      type: "schedule",
      id: this.newId(input.id, "schedule"),
      name: input.name,
      timeZone: input.timeZone ?? this.accountTimeZone,
      description: input.description,
      links: [],
    };
    if (input.escalationPolicyId !== undefined) {
      schedule.links.push({ policyId: input.escalationPolicyId, level: checkLevel(input.escalationLevel ?? 1) });
    }
    this.schedules.set(schedule.id, schedule);
    return schedule;
  }

  user(id: string): PdUser {
    const user = this.users.get(id);
    if (!user) throw new Error(`PagerDuty emulator: no user ${id}; addUser() first`);
    return user;
  }

  schedule(id: string): PdSchedule {
    const schedule = this.schedules.get(id);
    if (!schedule) throw new Error(`PagerDuty emulator: no schedule ${id}; addSchedule() first`);
    return schedule;
  }

  policy(id: string): PdEscalationPolicy {
    const policy = this.policies.get(id);
    if (!policy) throw new Error(`PagerDuty emulator: no escalation policy ${id}; addEscalationPolicy() first`);
    return policy;
  }

  /**
   * The policies and levels a schedule's shifts are reported under. A schedule no policy targets
   * yet gets one ("<name> Escalation Policy", level 1): PagerDuty lists on-calls per escalation
   * policy, so a schedule outside every policy would never show up in `GET /oncalls`.
   */
  private linksOf(schedule: PdSchedule): PdScheduleLink[] {
    if (schedule.links.length === 0) {
      const policy = this.addEscalationPolicy({ name: `${schedule.name} Escalation Policy` });
      schedule.links.push({ policyId: policy.id, level: 1 });
    }
    return schedule.links;
  }

  private link(schedule: PdSchedule, policyId: string, level: number): void {
    this.policy(policyId);
    if (!schedule.links.some((l) => l.policyId === policyId && l.level === level)) {
      schedule.links.push({ policyId, level });
    }
  }

  /** Replace every on-call entry of a schedule. */
  setScheduleShifts(scheduleId: string, shifts: readonly OnCallShift[]): void {
    const schedule = this.schedule(scheduleId);
    const next: OnCallRecord[] = [];
    for (const shift of shifts) {
      this.user(shift.userId);
      const start = toMillis(shift.start, "shift start");
      const end = toMillis(shift.end, "shift end");
      checkInterval(start, end);
      const targets: PdScheduleLink[] =
        shift.policyId !== undefined
          ? [{ policyId: shift.policyId, level: checkLevel(shift.level ?? levelIn(schedule, shift.policyId)) }]
          : this.linksOf(schedule).map((l) => ({ policyId: l.policyId, level: checkLevel(shift.level ?? l.level) }));
      for (const t of targets) {
        this.link(schedule, t.policyId, t.level);
        next.push({ policyId: t.policyId, level: t.level, scheduleId, userId: shift.userId, start, end });
      }
    }
    this.records = [...this.records.filter((r) => r.scheduleId !== scheduleId), ...dedupe(next)];
  }

  /**
   * Replace the users an escalation policy targets directly (no schedule). Omitted start and end
   * make the entry permanent, as PagerDuty reports direct user targets.
   */
  setPolicyTargets(policyId: string, shifts: readonly OnCallShift[]): void {
    this.policy(policyId);
    const next: OnCallRecord[] = [];
    for (const shift of shifts) {
      this.user(shift.userId);
      if (shift.policyId !== undefined && shift.policyId !== policyId) {
        throw new Error(`PagerDuty emulator: shift policyId ${shift.policyId} differs from ${policyId}`);
      }
      const start = toMillis(shift.start, "shift start");
      const end = toMillis(shift.end, "shift end");
      checkInterval(start, end);
      next.push({ policyId, level: checkLevel(shift.level ?? 1), scheduleId: null, userId: shift.userId, start, end });
    }
    this.records = [
      ...this.records.filter((r) => !(r.scheduleId === null && r.policyId === policyId)),
      ...dedupe(next),
    ];
  }

  /**
   * Put `userId` on call for the schedule from `now` until `until`, cutting whatever else was
   * scheduled in that window (the later part of a longer shift resumes afterwards, like an override).
   */
  handoff(scheduleId: string, userId: string, now: number, until: number): void {
    const schedule = this.schedule(scheduleId);
    this.user(userId);
    if (!(until > now)) throw new Error("PagerDuty emulator: handoff `until` must be after now");
    const combos = new Map<string, PdScheduleLink>();
    for (const r of this.records) {
      if (r.scheduleId === scheduleId) combos.set(`${r.policyId}\u0000${r.level}`, { policyId: r.policyId, level: r.level });
    }
    if (combos.size === 0) for (const l of this.linksOf(schedule)) combos.set(`${l.policyId}\u0000${l.level}`, l);

    const kept: OnCallRecord[] = [];
    for (const r of this.records) {
      if (r.scheduleId !== scheduleId) kept.push(r);
      else kept.push(...subtract(r, now, until));
    }
    for (const c of combos.values()) {
      kept.push({ policyId: c.policyId, level: c.level, scheduleId, userId, start: now, end: until });
    }
    this.records = kept;
  }

  /**
   * The on-calls overlapping [since, until], as `GET /oncalls` lists them: contiguous entries of one
   * user for one policy, level and schedule merged into one, sorted by policy, level, start.
   */
  query(q: OnCallQuery): OnCallRecord[] {
    const scheduleIds = q.scheduleIds ? new Set(q.scheduleIds) : undefined;
    const policyIds = q.policyIds ? new Set(q.policyIds) : undefined;
    const userIds = q.userIds ? new Set(q.userIds) : undefined;
    const instant = q.since === q.until;

    let rows = merge(this.records).filter((r) => {
      if (scheduleIds && !scheduleIds.has(r.scheduleId)) return false;
      if (policyIds && !policyIds.has(r.policyId)) return false;
      if (userIds && !userIds.has(r.userId)) return false;
      const start = r.start ?? NEG;
      const end = r.end ?? POS;
      if (q.horizon !== undefined && start > q.horizon) return false;
      const startsInTime = instant ? start <= q.until : start < q.until;
      return startsInTime && end > q.since;
    });

    const policyOrder = new Map([...this.policies.keys()].map((id, i) => [id, i]));
    rows.sort(
      (a, b) =>
        (policyOrder.get(a.policyId) ?? 0) - (policyOrder.get(b.policyId) ?? 0) ||
        a.level - b.level ||
        (a.start ?? NEG) - (b.start ?? NEG) ||
        compare(a.scheduleId ?? "", b.scheduleId ?? "") ||
        compare(a.userId, b.userId),
    );

    if (q.earliest) {
      const seen = new Set<string>();
      rows = rows.filter((r) => {
        const key = `${r.policyId}\u0000${r.level}\u0000${r.userId}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    return rows;
  }

  /** Entries of one schedule overlapping [since, until) (merged), for `GET /schedules/{id}`. */
  scheduleEntries(scheduleId: string, since: number, until: number): Array<{ userId: string; start: number | null; end: number | null }> {
    const seen = new Set<string>();
    const out: Array<{ userId: string; start: number | null; end: number | null }> = [];
    for (const r of merge(this.records.filter((x) => x.scheduleId === scheduleId))) {
      if (!((r.start ?? NEG) < until && (r.end ?? POS) > since)) continue;
      // The same shift is reported once per policy/level that targets the schedule: render it once.
      const key = `${r.userId}\u0000${r.start}\u0000${r.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ userId: r.userId, start: r.start, end: r.end });
    }
    return out.sort((a, b) => (a.start ?? NEG) - (b.start ?? NEG) || compare(a.userId, b.userId));
  }

  /** Escalation rules of a policy, by level: the schedules and users each level targets. */
  rulesOf(policyId: string): Array<{ level: number; scheduleIds: string[]; userIds: string[] }> {
    const levels = new Map<number, { scheduleIds: Set<string>; userIds: Set<string> }>();
    const at = (level: number) => {
      let entry = levels.get(level);
      if (!entry) levels.set(level, (entry = { scheduleIds: new Set(), userIds: new Set() }));
      return entry;
    };
    for (const s of this.schedules.values()) {
      for (const l of s.links) if (l.policyId === policyId) at(l.level).scheduleIds.add(s.id);
    }
    for (const r of this.records) {
      if (r.policyId !== policyId) continue;
      if (r.scheduleId === null) at(r.level).userIds.add(r.userId);
      else at(r.level).scheduleIds.add(r.scheduleId);
    }
    return [...levels.entries()]
      .sort(([a], [b]) => a - b)
      .map(([level, t]) => ({ level, scheduleIds: [...t.scheduleIds], userIds: [...t.userIds] }));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function levelIn(schedule: PdSchedule, policyId: string): number {
  return schedule.links.find((l) => l.policyId === policyId)?.level ?? 1;
}

function checkLevel(level: number): number {
  if (!Number.isInteger(level) || level < 1) throw new Error(`PagerDuty emulator: escalation level must be a positive integer, got ${level}`);
  return level;
}

function checkInterval(start: number | null, end: number | null): void {
  if (start !== null && end !== null && !(end > start)) {
    throw new Error(`PagerDuty emulator: shift end ${new Date(end).toISOString()} is not after its start`);
  }
}

function assertTimeZone(tz: string | undefined): void {
  if (tz !== undefined && !isTimeZone(tz)) throw new Error(`PagerDuty emulator: unknown time zone ${tz}`);
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function dedupe(records: OnCallRecord[]): OnCallRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = `${r.policyId}\u0000${r.level}\u0000${r.scheduleId}\u0000${r.userId}\u0000${r.start}\u0000${r.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `record` minus the window [from, to): zero, one or two pieces. */
function subtract(record: OnCallRecord, from: number, to: number): OnCallRecord[] {
  const start = record.start ?? NEG;
  const end = record.end ?? POS;
  if (end <= from || start >= to) return [record];
  const out: OnCallRecord[] = [];
  if (start < from) out.push({ ...record, end: from });
  if (end > to) out.push({ ...record, start: to });
  return out;
}

/** Merge overlapping or touching entries of the same user, policy, level and schedule. */
function merge(records: readonly OnCallRecord[]): OnCallRecord[] {
  const groups = new Map<string, OnCallRecord[]>();
  for (const r of records) {
    const key = `${r.policyId}\u0000${r.level}\u0000${r.scheduleId}\u0000${r.userId}`;
    const group = groups.get(key);
    if (group) group.push({ ...r });
    else groups.set(key, [{ ...r }]);
  }
  const out: OnCallRecord[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => (a.start ?? NEG) - (b.start ?? NEG));
    let current: OnCallRecord | undefined;
    for (const r of group) {
      if (current && (r.start ?? NEG) <= (current.end ?? POS)) {
        if ((r.end ?? POS) > (current.end ?? POS)) current.end = r.end;
      } else {
        current = r;
        out.push(current);
      }
    }
  }
  return out;
}

/**
 * ISO 8601 with the zone's offset, seconds precision, as PagerDuty renders times:
 * `2015-03-06T15:28:51-05:00`, or `...Z` in UTC.
 */
export function formatTime(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "longOffset",
  }).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const zone = get("timeZoneName").replace(/^GMT/, "");
  const offset = zone === "" ? "Z" : zone.length === 3 ? `${zone}:00` : zone;
  const year = get("year").padStart(4, "0");
  return `${year}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}:${get("second")}${offset === "+00:00" ? "Z" : offset}`;
}

/** A schedule to add (see `PagerDutyEmulator.addSchedule`). */
export interface ScheduleInit {
  id?: string;
  name: string;
  timeZone?: string;
  description?: string;
  escalationPolicyId?: string;
  escalationLevel?: number;
}
