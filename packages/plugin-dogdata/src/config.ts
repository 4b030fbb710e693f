import { Type, type Static } from "@botyard/core";
import { DEFAULT_MONITOR_PATTERN, DEFAULT_SCOPE_PATTERN } from "./payload/monitor-link.js";

const CHANNEL_ID = "^[CG][A-Z0-9]{2,}$";

export const DEFAULT_TEMPLATES = {
  recovered: ":white_check_mark: *{{transition}}* after {{duration}}: {{name}}{{scope_suffix}}{{{links}}}",
  update: "{{emoji}} *{{transition}}*: {{name}}{{scope_suffix}}{{{links}}}",
  alert: "{{emoji}} *{{transition}}*: {{name}}{{scope_suffix}}{{{links}}}\n{{message}}",
  standalone: ":white_check_mark: *{{transition}}*: {{name}}{{scope_suffix}} (the alert message was not found){{{links}}}",
} as const;

const TEMPLATE_HELP =
  "Placeholders: {{name}}, {{title}}, {{transition}}, {{emoji}}, {{scope}}, {{scope_suffix}}, {{monitor_id}}, {{priority}}, {{duration}}, {{message}}, {{{links}}}, {{{datadog_link}}}, {{{original_link}}}.";

export const DogdataConfig = Type.Object(
  {
    channels: Type.Array(Type.String({ pattern: CHANNEL_ID, description: "A channel id (C0123ABC)." }), {
      minItems: 1,
      description: "Alert channels: where Datadog posts its alerts and where recoveries are threaded. The bot must be a member of each.",
    }),
    postChannel: Type.Optional(
      Type.String({ pattern: CHANNEL_ID, description: "Where the bot posts its own alerts (ownPosts) and standalone recoveries. Default: the first of `channels`." }),
    ),
    secret: Type.Optional(
      Type.String({
        minLength: 16,
        description:
          'Shared secret Datadog sends in the `secretHeader` header (Datadog webhook > Custom Headers). At least 16 characters; reference it from the environment: "${DOGDATA_SECRET}".',
      }),
    ),
    secretHeader: Type.String({ pattern: "^[A-Za-z0-9-]+$", default: "X-Botyard-Secret", description: "The header that carries `secret`." }),
    basicAuth: Type.Optional(
      Type.Object(
        {
          username: Type.String({ minLength: 1, description: "User name in the webhook URL (https://user:password@host/...)." }),
          password: Type.String({ minLength: 16, description: "Password in the webhook URL; at least 16 characters, from the environment." }),
        },
        { additionalProperties: false, description: "HTTP basic auth instead of (or besides) the secret header. One of `secret` and `basicAuth` is required." },
      ),
    ),
    senders: Type.Object(
      {
        names: Type.Array(Type.String({ minLength: 1 }), {
          default: ["Datadog"],
          description: "App names (bot profile, or username of the legacy integration) whose posts are Datadog alerts. Ignored when botIds or appIds are set.",
        }),
        botIds: Type.Array(Type.String({ minLength: 1 }), { default: [], description: "Bot ids (B...) of the Datadog app: the strictest way to recognise it." }),
        appIds: Type.Array(Type.String({ minLength: 1 }), { default: [], description: "App ids (A...) of the Datadog app." }),
      },
      { additionalProperties: false, default: {}, description: "Who counts as Datadog in the alert channels. People and other apps pasting Datadog titles or links never do." },
    ),
    match: Type.Object(
      {
        monitorPattern: Type.String({
          default: DEFAULT_MONITOR_PATTERN,
          description: "Regex whose first group is the monitor id; tried on the message's links, then on its text.",
        }),
        scopePattern: Type.String({
          default: DEFAULT_SCOPE_PATTERN,
          description: "Regex whose first group is the monitor group (URL-encoded `tag:value,...`), tried on the link the monitor id came from.",
        }),
      },
      { additionalProperties: false, default: {}, description: "How monitor id and group are read from Datadog's messages and links. The defaults read Datadog's own format." },
    ),
    index: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: "Listen to the alert channels and remember Datadog's alert messages (a recovery then costs a Store read)." }),
        ttlHours: Type.Number({ exclusiveMinimum: 0, default: 168, description: "How long an alert message is remembered. Alerts open longer are found by the history scan." }),
      },
      { additionalProperties: false, default: {}, description: "The index of alert messages: monitor id and group to message." },
    ),
    ownPosts: Type.Boolean({
      default: false,
      description: "Post Triggered, Warn and No Data alerts from the webhook (when no Datadog message is found), with the alert key in the message metadata.",
    }),
    scan: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: "When the index has no message for a recovery, search the channel history (newest first)." }),
        lookbackHours: Type.Number({ exclusiveMinimum: 0, default: 24, description: "How far back the scan looks." }),
        pageSize: Type.Integer({
          minimum: 1,
          maximum: 999,
          default: 100,
          description: "Messages per conversations.history call (at most 15 for apps Slack limits to 1 call a minute).",
        }),
        maxPages: Type.Integer({ minimum: 1, default: 10, description: "conversations.history calls per scan and channel, at most." }),
      },
      { additionalProperties: false, default: {}, description: "The history-scan fallback. Every alert message it passes is remembered." },
    ),
    notFound: Type.Object(
      {
        action: Type.Enum(["standalone", "log"], {
          default: "standalone",
          description: "What to do with a recovery whose alert message never shows up: post it on its own in `postChannel`, or only log it.",
        }),
        afterSeconds: Type.Number({ minimum: 0, default: 120, description: "How long a recovery waits for its alert message (retries reorder deliveries) before `action`." }),
      },
      { additionalProperties: false, default: {}, description: "Recoveries whose alert message cannot be found." },
    ),
    reaction: Type.String({ pattern: "^[a-z0-9_+'-]+$", default: "white_check_mark", description: "The reaction that marks a recovered alert (without colons)." }),
    dedupeTtlHours: Type.Number({ exclusiveMinimum: 0, default: 24, description: "How long delivery ids ($ID) are remembered to drop Datadog's retries." }),
    templates: Type.Object(
      {
        recovered: Type.String({
          minLength: 1,
          default: DEFAULT_TEMPLATES.recovered,
          description: `Reply in the alert's thread on Recovered and Warn Recovered. ${TEMPLATE_HELP}`,
        }),
        update: Type.String({ minLength: 1, default: DEFAULT_TEMPLATES.update, description: "Reply in the alert's thread on Re-Triggered, Renotify, Warn, No Data..." }),
        alert: Type.String({ minLength: 1, default: DEFAULT_TEMPLATES.alert, description: "The bot's own alert message (ownPosts)." }),
        standalone: Type.String({ minLength: 1, default: DEFAULT_TEMPLATES.standalone, description: "A recovery posted on its own (notFound.action: standalone)." }),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          "Message templates. {{name}} placeholders are escaped for Slack; only the links the bot builds go in as {{{links}}}, {{{datadog_link}}} and {{{original_link}}}.",
      },
    ),
  },
  { additionalProperties: false },
);

export type DogdataConfig = Static<typeof DogdataConfig>;
