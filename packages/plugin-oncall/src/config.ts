import { Type, type Static } from "@botyard/core";

const PagerDutyId = (description: string) => Type.String({ pattern: "^[A-Z0-9]+$", description });
const ChannelId = (description: string) => Type.String({ pattern: "^[CG][A-Z0-9]+$", description });

export const PagerDutyConfig = Type.Object(
  {
    token: Type.String({
      minLength: 1,
      description: "PagerDuty REST API key (a read-only General Access key is enough). Write `${PAGERDUTY_TOKEN}` and keep the key in the environment.",
    }),
    baseUrl: Type.String({
      pattern: "^https?://",
      default: "https://api.pagerduty.com",
      description: "REST API base URL: `https://api.eu.pagerduty.com` for accounts in the EU service region, or a local emulator's URL.",
    }),
    timeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: "How long one PagerDuty request may take before it is abandoned and retried (ms)." }),
    retries: Type.Integer({ minimum: 0, maximum: 10, default: 3, description: "Retries of a PagerDuty request that failed with 429, 5xx, a timeout or a network error." }),
    retryDelayMs: Type.Integer({ minimum: 1, default: 1_000, description: "Wait before the first retry (ms); doubles on each retry, with jitter." }),
    maxRetryDelayMs: Type.Integer({ minimum: 1, default: 30_000, description: "Longest wait between retries (ms), also for the wait a 429 asks for." }),
  },
  { additionalProperties: false, description: "How to reach PagerDuty." },
);

export const SyncConfig = Type.Object(
  {
    usergroup: Type.String({
      minLength: 1,
      description:
        "The Slack user group to keep filled with whoever is on call: its id (`S0123ABC`) or its handle (`oncall-sre`, `@` optional). It must exist: the bot never creates groups.",
    }),
    name: Type.Optional(Type.String({ minLength: 1, description: "Short name in messages and for `/oncall <name>` (`SRE`). Default: the group's handle." })),
    schedules: Type.Optional(
      Type.Array(PagerDutyId("A PagerDuty schedule id (`PABC123`, the last part of the schedule's URL)."), {
        minItems: 1,
        description: "PagerDuty schedules whose current on-calls fill the group; several schedules fill one group together. Give this or `escalationPolicy`.",
      }),
    ),
    escalationPolicy: Type.Optional(
      Type.Object(
        {
          id: PagerDutyId("A PagerDuty escalation policy id (`PXYZ789`)."),
          level: Type.Integer({ minimum: 1, default: 1, description: "The escalation level whose on-calls fill the group (1: first responders)." }),
        },
        {
          additionalProperties: false,
          description: "Instead of `schedules`: everyone on call at one level of an escalation policy, including users it targets directly (permanent on-calls).",
        },
      ),
    ),
    announceChannel: Type.Optional(ChannelId("Channel id where handoffs are announced (the bot must be a member).")),
    topicChannel: Type.Optional(ChannelId("Channel id whose topic always shows the current on-call (the bot must be a member).")),
    whenNobody: Type.Enum(["keep", "fallback", "disable"], {
      default: "keep",
      description:
        "When PagerDuty has nobody on call (or nobody with a Slack account): `keep` the current members, put `fallbackUser` in the group, or `disable` the group until someone is on call again (Slack cannot empty a group).",
    }),
    fallbackUser: Type.Optional(
      Type.String({ pattern: "^[UW][A-Z0-9]+$", description: "Slack user id who holds the group when nobody is on call and `whenNobody` is `fallback`." }),
    ),
  },
  { additionalProperties: false },
);

export const OncallConfig = Type.Object(
  {
    pagerduty: PagerDutyConfig,
    syncs: Type.Array(SyncConfig, { minItems: 1, description: "One entry per Slack user group: which PagerDuty on-calls fill it, and where to tell people." }),
    interval: Type.String({
      default: "*/5 * * * *",
      description: "Cron pattern of the periodic sync (seconds allowed: `*/30 * * * * *`). The bot also syncs at start-up and the moment the current shift ends.",
    }),
    command: Type.String({
      pattern: "^/[\\w-]+$",
      default: "/oncall",
      description: "Slash command that answers who is on call (`/oncall`, `/oncall sre`); exclusive across bots.",
    }),
    keyword: Type.String({
      pattern: "^[^\\s<>]+$",
      default: "oncall",
      description: "Mention keyword that answers who is on call (`@bot oncall sre`). Keywords are exclusive across bots: change it when another bot uses `oncall`.",
    }),
    confirmNobodyAfterMs: Type.Integer({
      minimum: 0,
      default: 300_000,
      description:
        "How long PagerDuty must keep saying nobody is on call for a group that had someone before `whenNobody` applies (ms). Until then the group and `/oncall` keep the last on-call: an empty answer during a PagerDuty incident, or from a schedule taken out of its escalation policy, must not leave alerts tagging nobody. 0 applies `whenNobody` at once.",
    }),
    answerWhoIsOnCall: Type.Boolean({ default: true, description: 'Also answer mentions asking "who is on call" in plain words (`@bot who is on call for sre?`).' }),
    slackUserCacheMs: Type.Integer({
      minimum: 0,
      default: 86_400_000,
      description: "How long the Slack account found for a PagerDuty email is remembered (ms). Emails without an account are looked up again hourly.",
    }),
    announceTemplate: Type.String({
      default: "{{{who}}} {{is}} now on call for {{name}} until {{{until}}}.",
      description:
        "Handoff announcement. Placeholders: `{{{who}}}` (mentions), `{{names}}` (names in PagerDuty), `{{is}}` (`is` or `are`), `{{name}}` (the sync's name), `{{{until}}}` (end of the shift, in each reader's timezone), `{{handle}}`.",
    }),
    topicTemplate: Type.String({
      default: "On call for {{name}}: {{{who}}} until {{{until}}}",
      description: "Channel topic in `topicChannel`, with the placeholders of `announceTemplate`.",
    }),
  },
  { additionalProperties: false },
);

export type OncallConfig = Static<typeof OncallConfig>;
export type SyncConfig = Static<typeof SyncConfig>;
export type PagerDutyConfig = Static<typeof PagerDutyConfig>;
export type NobodyPolicy = NonNullable<SyncConfig["whenNobody"]>;

/**
 * What the schema cannot say: one source of on-calls per sync, a fallback user when the policy
 * needs one, one sync per group. Returns every problem, each naming the field.
 */
export function configProblems(config: OncallConfig): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  config.syncs.forEach((sync, i) => {
    const at = `syncs[${i}] (${sync.usergroup})`;
    if (!sync.schedules && !sync.escalationPolicy) problems.push(`${at} needs \`schedules\` or \`escalationPolicy\`: which PagerDuty on-calls fill the group.`);
    if (sync.schedules && sync.escalationPolicy) {
      problems.push(`${at} has both \`schedules\` and \`escalationPolicy\`; give one (PagerDuty would only list on-calls that match both).`);
    }
    if (sync.whenNobody === "fallback" && !sync.fallbackUser) problems.push(`${at} has \`whenNobody: fallback\` but no \`fallbackUser\` (a Slack user id).`);
    const key = sync.usergroup.replace(/^@/, "").toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) problems.push(`${at} targets the same user group as syncs[${first}]; list all its schedules in one sync.`);
    else seen.set(key, i);
  });
  return problems;
}
