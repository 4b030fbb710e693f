// What a test passes to the PagerDuty emulator: its options, whom `setOnCall` targets, scripted outages.

export interface PagerDutyEmulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** API key the emulator accepts in `Authorization: Token token=<key>`. */
  token?: string;
  /** The emulator's clock ("now" for `GET /oncalls` and `handoff`); real time by default. */
  now?: () => Date;
  /** The account's time zone: the default for rendered times, users and schedules. `Etc/UTC` by default. */
  timeZone?: string;
  /** Subdomain in `html_url` links (`https://<subdomain>.pagerduty.com/...`). */
  subdomain?: string;
  /**
   * Check every request and answer against PagerDuty's OpenAPI description, recording violations
   * (see `expectConformance`). Default: on in conformance mode (`BOTYARD_CONFORMANCE=1` or
   * `enableConformance()`).
   */
  conformance?: boolean;
}

/** What `setOnCall` targets: a schedule or an escalation policy (an id, or the object `add*` returned). */
export type OnCallTarget =
  | string
  | { readonly type: "schedule" | "escalation_policy"; readonly id: string }
  | { readonly scheduleId: string }
  | { readonly escalationPolicyId: string };

export type PagerDutyOutage =
  | {
      status: 401 | 403 | 429 | 500 | 502 | 503 | 504;
      /** How many calls fail (default 1); `Infinity` for the rest of the test. */
      times?: number;
      /** Only this operation (`"GET /oncalls"`); every operation by default. */
      operation?: string;
      /** 429 only: the `ratelimit-reset` header, in seconds (default 1). */
      resetSeconds?: number;
      /** Replace PagerDuty's error body. */
      body?: unknown;
    }
  | { drop: true; times?: number; operation?: string };
