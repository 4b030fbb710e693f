// PagerDuty's JSON for users, schedules and escalation policies, and the references between them.
import { createHash } from "node:crypto";
import type { PagerDutyAccount, PdEscalationPolicy, PdSchedule, PdUser } from "./schedule-model.js";

/** What the JSON is built from: the account, and the API and web URLs `self` and `html_url` point at. */
export interface PagerDutyJsonContext {
  account: PagerDutyAccount;
  api: string;
  html: string;
}

export function ref(json: PagerDutyJsonContext, kind: "user" | "schedule" | "escalation_policy", obj: { id: string; name: string }) {
  const plural = kind === "escalation_policy" ? "escalation_policies" : `${kind}s`;
  return {
    id: obj.id,
    type: `${kind}_reference`,
    summary: obj.name,
    self: `${json.api}/${plural}/${obj.id}`,
    html_url: `${json.html}/${plural}/${obj.id}`,
  };
}

export function userObject(json: PagerDutyJsonContext, user: PdUser) {
  const hash = createHash("md5").update(user.email.trim().toLowerCase()).digest("hex");
  return {
    ...ref(json, "user", user),
    type: "user",
    name: user.name,
    email: user.email,
    time_zone: user.timeZone,
    color: user.color,
    role: user.role,
    avatar_url: `https://secure.gravatar.com/avatar/${hash}.png?d=mm&r=PG`,
    description: null,
    invitation_sent: false,
    ...(user.jobTitle !== undefined ? { job_title: user.jobTitle } : {}),
    teams: [],
    contact_methods: [],
    notification_rules: [],
  };
}

export function scheduleObject(json: PagerDutyJsonContext, schedule: PdSchedule, timeZone = schedule.timeZone) {
  const policyIds = new Set(schedule.links.map((l) => l.policyId));
  for (const r of json.account.records) if (r.scheduleId === schedule.id) policyIds.add(r.policyId);
  const userIds = new Set(json.account.records.filter((r) => r.scheduleId === schedule.id).map((r) => r.userId));
  return {
    ...ref(json, "schedule", schedule),
    type: "schedule",
    name: schedule.name,
    time_zone: timeZone,
    ...(schedule.description !== undefined ? { description: schedule.description } : {}),
    escalation_policies: [...policyIds].map((id) => ref(json, "escalation_policy", json.account.policy(id))),
    users: [...userIds].map((id) => ref(json, "user", json.account.user(id))),
    teams: [],
  };
}

export function policyObject(json: PagerDutyJsonContext, policy: PdEscalationPolicy) {
  return {
    ...ref(json, "escalation_policy", policy),
    type: "escalation_policy",
    name: policy.name,
    ...(policy.description !== undefined ? { description: policy.description } : {}),
    num_loops: 0,
    on_call_handoff_notifications: "if_has_services",
    escalation_rules: json.account.rulesOf(policy.id).map((rule) => ({
      id: `R${policy.id.slice(1, 5)}${String(rule.level).padStart(2, "0")}`,
      escalation_delay_in_minutes: 30,
      targets: [
        ...rule.scheduleIds.map((id) => ref(json, "schedule", json.account.schedule(id))),
        ...rule.userIds.map((id) => ref(json, "user", json.account.user(id))),
      ],
    })),
    services: [],
    teams: [],
  };
}
