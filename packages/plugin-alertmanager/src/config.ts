import { Type, type Static } from "@botyard/core";

const CHANNEL_ID = "^[CG][A-Z0-9]{2,}$";
/** Alertmanager's matcher syntax: `name="value"`, `name!=value`, `name=~"regex"`, `name!~regex`. */
const MATCHER = '^\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*(=|!=|=~|!~)\\s*("[^"]*"|[^"]*)\\s*$';

export const AlertmanagerConfig = Type.Object(
  {
    channel: Type.String({ pattern: CHANNEL_ID, description: "The default channel (id, C0123ABC): groups no route takes are posted here. The bot must be a member." }),
    routes: Type.Array(
        Type.Object(
          {
            channel: Type.String({ pattern: CHANNEL_ID, description: "Where the groups this route takes are posted." }),
            receiver: Type.Optional(Type.String({ minLength: 1, description: "Alertmanager's receiver name (as in alertmanager.yml, unescaped) the route takes." })),
            matchers: Type.Optional(
              Type.Array(Type.String({ pattern: MATCHER }), {
                description: 'Label matchers in Alertmanager\'s syntax (`severity="critical"`, `team=~"db|infra"`), all of which must hold: on the group\'s common labels (threadBy: group) or the alert\'s labels (threadBy: alert).',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        { default: [], description: "Routes, first match wins; a route with neither receiver nor matchers takes everything." },
      ),
    bearerToken: Type.Optional(
      Type.String({
        minLength: 16,
        description:
          'The token Alertmanager sends as `Authorization: Bearer ...` (http_config.authorization.credentials; Grafana: authorization_credentials). At least 16 characters, from the environment: "${AM_WEBHOOK_TOKEN}".',
      }),
    ),
    basicAuth: Type.Optional(
      Type.Object(
        {
          username: Type.String({ minLength: 1 }),
          password: Type.String({ minLength: 16, description: "At least 16 characters, from the environment." }),
        },
        { additionalProperties: false, description: "HTTP basic auth (http_config.basic_auth; Grafana: username/password). One of `bearerToken` and `basicAuth` is required." },
      ),
    ),
    threadBy: Type.Union([Type.Literal("group"), Type.Literal("alert")], { default: "group", description: "One Slack thread per alert group (Alertmanager's grouping), or per alert." }),
    reopenWithinMinutes: Type.Number({
        minimum: 0,
        default: 60,
        description: "A group that fires again within this long after it resolved reopens its thread; later, it starts a new message. 0: always a new message.",
      }),
    labels: Type.Array(Type.String({ pattern: "^[a-zA-Z_][a-zA-Z0-9_]*$" }), {
      default: ["severity", "instance", "job", "namespace", "service", "cluster"],
      description: "Labels shown on the message (besides alertname), when present.",
    }),
    reaction: Type.String({ pattern: "^[a-z0-9_+'-]+$", default: "white_check_mark", description: "The reaction on a resolved group's message (without colons)." }),
    postIntervalMs: Type.Integer({
        minimum: 0,
        default: 1100,
        description:
          "Least time between two posts in one channel: Slack allows about one message per second per channel (the default keeps a 10% margin, so that timer jitter earns no 429s). Changes that arrive meanwhile go out together in the next post.",
      }),
    dedupeTtlHours: Type.Number({ exclusiveMinimum: 0, default: 24, description: "How long delivered group states are remembered to answer re-sends and retries as duplicates." }),
    threadTtlDays: Type.Number({ exclusiveMinimum: 0, default: 14, description: "How long a thread's state is kept after its last change." }),
  },
  { additionalProperties: false },
);

export type AlertmanagerConfig = Static<typeof AlertmanagerConfig>;
