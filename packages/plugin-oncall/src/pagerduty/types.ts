// The parts of PagerDuty's REST API v2 shapes this plugin reads (see the OpenAPI description at
// https://developer.pagerduty.com/api-reference/). Fields PagerDuty sends beyond these are kept.

/** A reference to another object (`user_reference`, `schedule_reference`...). */
export interface PdReference {
  id: string;
  type: string;
  summary?: string;
  self?: string | null;
  html_url?: string | null;
  [field: string]: unknown;
}

/** A user: a full object with `include[]=users`, else only a reference (no email). */
export interface PdUser extends PdReference {
  name?: string;
  email?: string;
  time_zone?: string;
}

/** One entry of `GET /oncalls`: who is on call, for which policy, level and schedule, from when until when. */
export interface PdOnCall {
  user: PdUser;
  /** `null` when the escalation policy targets the user directly (not through a schedule). */
  schedule: PdReference | null;
  escalation_policy: PdReference;
  escalation_level: number;
  /** ISO 8601; `null` for a permanent on-call (a user the policy targets directly). */
  start: string | null;
  end: string | null;
  [field: string]: unknown;
}

/** PagerDuty's classic offset pagination. */
export interface PdPage {
  limit: number;
  offset: number;
  more: boolean;
  total: number | null;
}

export interface PdOnCallsPage extends PdPage {
  oncalls: PdOnCall[];
}

/** PagerDuty's error body. */
export interface PdErrorBody {
  error?: { message?: string; code?: number; errors?: string[] };
}
