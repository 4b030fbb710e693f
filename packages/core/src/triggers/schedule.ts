import { Cron } from "croner";
import type { BaseContext } from "../context/context.js";
import { BotyardError, ErrorCodes, isBotyardError } from "../errors/botyard-error.js";
import type { ActiveTrigger, Trigger, TriggerRuntime } from "./trigger.js";

export interface ScheduleEvent {
  /** The time this tick was planned for (identical on every replica). */
  scheduledAt: Date;
  /** True when fired by hand (`fire()` in tests, on-demand runs) rather than by the clock. */
  manual: boolean;
}

export type ScheduleContext = BaseContext<ScheduleEvent>;
export type ScheduleHandler = (ctx: ScheduleContext) => unknown | Promise<unknown>;

export interface ScheduleOptions {
  /** Stable name (store keys, metrics, logs); defaults to `schedule:<pattern>`. */
  name?: string;
  /** IANA zone the pattern is read in (`Asia/Tokyo`); the host's zone by default. */
  timezone?: string;
  /** Skip a tick while the previous run of this trigger is still going (default true). */
  protect?: boolean;
  /** How long a run may hold the overrun lease without renewing it (default 1.5 s; renewed every fifth of it while running). */
  leaseMs?: number;
}

const TICK_KEY_TTL_MS = 24 * 60 * 60 * 1000;
// Short and renewed often (every fifth of it) while a run lasts, so a replica that dies mid-run
// holds a trigger back for at most this long.
const DEFAULT_LEASE_MS = 1_500;
const LEASE_POLL_MS = 100;
const MAX_WAIT_MS = 30_000;

// croner keeps about 80 KB per pattern object (a year table among others): a host with thousands
// of bots on a handful of patterns shares one, used only to compute next run times.
const patterns = new Map<string, Cron>();
function patternFor(pattern: string, timezone: string | undefined): Cron {
  const key = `${pattern}\u0000${timezone ?? ""}`;
  let cron = patterns.get(key);
  if (!cron) patterns.set(key, (cron = new Cron(pattern, { timezone, paused: true })));
  return cron;
}

/**
 * A cron schedule (croner: seconds, timezone) or a one-shot date. croner waits in steps of at most
 * 30 s, so a date weeks ahead fires on time, where a bare setTimeout overflows after 24.8 days.
 *
 * Each tick is claimed in the host store with a key of bot, trigger and planned time, so it runs
 * once however many replicas share the store; overrun protection is a lease renewed while a run
 * lasts, so a replica that dies mid-run blocks nothing beyond the lease.
 */
export class ScheduleTrigger implements Trigger {
  readonly kind = "schedule";
  readonly name: string;
  private when: string | Date | undefined;
  /** The next planned run while active. */
  private planned: Date | undefined;
  private timer: NodeJS.Timeout | undefined;
  private runtime: TriggerRuntime | undefined;

  constructor(
    when: string | Date | undefined,
    private readonly handler: ScheduleHandler,
    private readonly options: ScheduleOptions = {},
    name?: string,
  ) {
    this.when = when;
    if (when !== undefined) validate(when, options.timezone);
    this.name = name ?? options.name ?? `schedule:${when instanceof Date ? when.toISOString() : when}`;
  }

  describe(): string {
    const when = this.when instanceof Date ? `at ${this.when.toISOString()}` : this.when ? `cron "${this.when}"` : "not set";
    return `${when}${this.options.timezone ? ` (${this.options.timezone})` : ""}`;
  }

  nextRun(): Date | undefined {
    if (this.runtime) return this.planned;
    if (this.when instanceof Date) return this.when.getTime() > Date.now() ? this.when : undefined;
    if (this.when === undefined) return undefined;
    return patternFor(this.when, this.options.timezone).nextRun() ?? undefined;
  }

  activate(runtime: TriggerRuntime): ActiveTrigger {
    this.runtime = runtime;
    this.arm();
    return {
      stop: () => {
        clearTimeout(this.timer);
        this.planned = undefined;
        this.runtime = undefined;
      },
      nextRun: () => this.planned,
      fire: () => this.tick(new Date(), true),
    };
  }

  /** Re-points a one-shot timer (see `bot.timer`); arms it at once when active. */
  setWhen(when: Date | undefined): void {
    if (when !== undefined) validate(when, this.options.timezone);
    this.when = when;
    if (this.runtime) this.arm();
  }

  get pending(): Date | undefined {
    return this.planned;
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.planned = undefined;
    if (this.when === undefined) return;
    if (this.when instanceof Date) {
      // A one-shot in the past fires at once rather than never (a handoff time that just passed).
      this.planned = this.when.getTime() <= Date.now() ? new Date(Date.now()) : this.when;
    } else {
      this.planned = patternFor(this.when, this.options.timezone).nextRun() ?? undefined;
    }
    this.wait();
  }

  // Waits in steps of at most 30 s, so a date weeks ahead fires on time (a single setTimeout
  // overflows after 24.8 days) and a suspended machine catches up on wake.
  private wait(): void {
    const planned = this.planned;
    if (!planned || !this.runtime) return;
    const delay = planned.getTime() - Date.now();
    this.timer = setTimeout(() => {
      if (Date.now() < planned.getTime()) return this.wait();
      // The planned time, not the moment the timer woke: every replica computes the same tick key.
      void this.tick(planned, false);
      this.planned = typeof this.when === "string" ? (patternFor(this.when, this.options.timezone).nextRun(new Date(Math.max(Date.now(), planned.getTime()))) ?? undefined) : undefined;
      this.wait();
    }, Math.max(0, Math.min(delay, MAX_WAIT_MS)));
    this.timer.unref?.();
  }

  private async tick(scheduledAt: Date, manual: boolean): Promise<unknown> {
    const rt = this.runtime;
    if (!rt) return undefined;
    try {
      return await this.claimAndRun(rt, scheduledAt, manual);
    } catch (error) {
      // The store is unreachable (the handler's own errors are caught by the run pipeline): no
      // claim, no run. Running unclaimed could run the tick twice across replicas.
      // An outage the host reports once, as an error, and in /readyz: each tick it costs is a warning.
      const level = isBotyardError(error, ErrorCodes.STORE_UNAVAILABLE) ? "warn" : "error";
      rt.log[level]({ err: error, trigger: this.name, scheduledAt: scheduledAt.toISOString() }, "tick skipped: could not claim it in the store");
      if (!manual) rt.scheduleSkipped?.(this.name, scheduledAt, "store_unavailable");
      return undefined;
    }
  }

  /**
   * Takes the trigger's running lease. While another run holds it, keeps trying until just before
   * the next planned tick: a holder that is still running renews it and this tick is skipped
   * (overrun protection), but a holder that died stops renewing, the lease expires within
   * `leaseMs`, and this tick runs, late rather than lost.
   */
  private async acquireRunning(rt: TriggerRuntime, lease: string, holder: string, leaseMs: number, manual: boolean): Promise<boolean> {
    if (await rt.hostStore.acquireLease(lease, holder, leaseMs)) return true;
    const next = manual ? undefined : this.planned;
    const deadline = (next ? next.getTime() : Date.now() + leaseMs) - 50;
    while (Date.now() + LEASE_POLL_MS < deadline && this.runtime) {
      await new Promise((r) => setTimeout(r, LEASE_POLL_MS));
      if (await rt.hostStore.acquireLease(lease, holder, leaseMs)) return true;
    }
    return false;
  }

  private async claimAndRun(rt: TriggerRuntime, scheduledAt: Date, manual: boolean): Promise<unknown> {
    const at = Math.floor(scheduledAt.getTime() / 1000) * 1000;
    if (!manual) {
      const claimed = await rt.hostStore.setIfAbsent(`tick/${rt.botId}/${this.name}/${at}`, rt.owner, { ttlMs: TICK_KEY_TTL_MS });
      if (!claimed) {
        rt.log.debug({ trigger: this.name, scheduledAt: new Date(at).toISOString() }, "tick already claimed by another replica");
        return undefined;
      }
    }
    const protect = this.options.protect ?? true;
    const leaseMs = this.options.leaseMs ?? DEFAULT_LEASE_MS;
    const lease = `running/${rt.botId}/${this.name}`;
    // Each tick holds the lease under its own name: a later tick of this same process must not
    // count as the holder renewing it.
    const holder = `${rt.owner}/${at}`;
    if (protect && !(await this.acquireRunning(rt, lease, holder, leaseMs, manual))) {
      rt.log.warn({ trigger: this.name, scheduledAt: new Date(at).toISOString() }, "skipped tick: the previous run is still going");
      if (!manual) rt.scheduleSkipped?.(this.name, new Date(at), "overrun");
      return undefined;
    }
    const renew = protect ? setInterval(() => void rt.hostStore.renewLease(lease, holder, leaseMs).catch(() => false), Math.max(leaseMs / 5, 50)) : undefined;
    renew?.unref();
    try {
      const outcome = await rt.run<ScheduleEvent, unknown>({ scheduledAt: new Date(at), manual }, this.handler);
      if (outcome.ok) rt.scheduleSucceeded(this.name, new Date(at));
      return outcome.ok ? outcome.value : undefined;
    } finally {
      if (renew) clearInterval(renew);
      if (protect) await rt.hostStore.releaseLease(lease, holder).catch(() => false);
    }
  }
}

function validate(when: string | Date, timezone: string | undefined): void {
  // croner accepts any timezone when built and throws a raw TypeError at the first next-run
  // computation (in `botyard validate`, `list`, at start): check it here, where it can be named.
  if (timezone !== undefined) checkTimezone(timezone, when);
  try {
    if (when instanceof Date) {
      if (Number.isNaN(when.getTime())) throw new Error("the date is invalid");
      return;
    }
    patternFor(when, timezone);
  } catch (cause) {
    throw new BotyardError(ErrorCodes.TRIGGER_INVALID, `Invalid schedule ${JSON.stringify(String(when))}: ${(cause as Error).message}`, {
      hint: 'Use a cron pattern with 5 or 6 fields ("0 10 * * 1-5", "*/30 * * * * *") and an IANA timezone ("Europe/Paris").',
      cause,
      details: { value: String(when) },
    });
  }
}

function checkTimezone(timezone: string, when: string | Date): void {
  try {
    if (typeof timezone === "string" && timezone !== "") {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
      return;
    }
  } catch {
    // Reported below.
  }
  const near = nearestTimezone(String(timezone));
  throw new BotyardError(ErrorCodes.TRIGGER_INVALID, `Invalid timezone ${JSON.stringify(timezone)} for schedule ${JSON.stringify(String(when))}: not an IANA timezone${near ? ` (did you mean "${near}"?)` : ""}`, {
    hint: 'Use an IANA timezone name such as "Europe/Paris", "America/New_York" or "UTC".',
    details: { value: String(timezone) },
  });
}

/** The known timezone closest to a misspelt one (at most 2 edits, case aside), if any. */
function nearestTimezone(given: string): string | undefined {
  const wanted = given.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of Intl.supportedValuesOf("timeZone")) {
    const distance = editDistance(wanted, name.toLowerCase(), 2);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance, giving up (returning `max + 1`) once it is sure to exceed `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, current[j]!);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length]!;
}
