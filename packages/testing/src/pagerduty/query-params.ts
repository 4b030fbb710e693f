// How PagerDuty reads a query string: `name[]` lists, booleans, integers, times, time zones, paging.
import { ArgumentError, ERRORS } from "./pagerduty-errors.js";
import { isTimeZone, toMillis } from "./schedule-model.js";

/** PagerDuty's paging limits: `limit` up to 100 (default 25), `offset + limit` up to 10,000. */
const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 25;
const MAX_OFFSET_PLUS_LIMIT = 10_000;
export type Query = Record<string, string | string[]>;

export function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function byName<T extends { name: string }>(items: T[]): T[] {
  return items.sort((a, b) => a.name.localeCompare(b.name));
}

/** PagerDuty's `query` parameter: a case-insensitive substring of the name (or a user's email). */
export function matches(q: Query, ...fields: string[]): boolean {
  const query = single(q, "query");
  if (!query) return true;
  const needle = query.toLowerCase();
  return fields.some((f) => f.toLowerCase().includes(needle));
}

export function single(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Values of an array parameter, given as `name[]=a&name[]=b` (or without the brackets). */
export function listParam(q: Query, name: string): string[] {
  const out: string[] = [];
  for (const key of [`${name}[]`, name]) {
    const v = q[key];
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) if (item !== "") out.push(item);
  }
  return [...new Set(out)];
}

export function boolParam(q: Query, name: string): boolean | undefined {
  const v = single(q, name);
  if (v === undefined || v === "") return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  throw new ArgumentError(ERRORS.invalid(`${name} must be true or false.`));
}

export function intParam(q: Query, name: string): number | undefined {
  const v = single(q, name);
  if (v === undefined || v === "") return undefined;
  if (!/^\d+$/.test(v)) throw new ArgumentError(ERRORS.invalid(`${name} must be a non-negative integer.`));
  return Number(v);
}

export function timeParam(q: Query, name: string): number | undefined {
  const v = single(q, name);
  if (v === undefined || v === "") return undefined;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw new ArgumentError(ERRORS.invalid(`${name} is not a valid date-time.`));
  return ms;
}

export function zoneParam(q: Query, fallback: string): string {
  const v = single(q, "time_zone");
  if (v === undefined || v === "") return fallback;
  if (!isTimeZone(v)) throw new ArgumentError(ERRORS.invalid("time_zone is not a valid time zone."));
  return v;
}

/** Classic offset pagination: `limit` (default 25, at most 100), `offset`, `total=true`. */
export function paging(q: Query) {
  const requested = intParam(q, "limit");
  const limit = Math.min(Math.max(requested ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
  const offset = intParam(q, "offset") ?? 0;
  if (offset + limit > MAX_OFFSET_PLUS_LIMIT) throw new ArgumentError(ERRORS.tooDeep());
  const withTotal = boolParam(q, "total") ?? false;
  return {
    limit,
    offset,
    meta: (count: number) => ({ limit, offset, more: offset + limit < count, total: withTotal ? count : null }),
  };
}

/** Share of [since, until) covered by entries, in percent. */
export function coverage(entries: Array<{ start: number | null; end: number | null }>, since: number, until: number): number {
  if (until <= since) return 0;
  const spans = entries
    .map((e) => [Math.max(e.start ?? since, since), Math.min(e.end ?? until, until)] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let cursor = since;
  for (const [s, e] of spans) {
    const from = Math.max(s, cursor);
    if (e > from) {
      covered += e - from;
      cursor = e;
    }
  }
  return Math.round((covered / (until - since)) * 10_000) / 100;
}
