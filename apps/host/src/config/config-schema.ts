import { Type, type Static } from "@botyard/core";

const SlackConfig = Type.Object(
  {
    appToken: Type.String({
      minLength: 1,
      description: "App-level token (xapp-...) with the connections:write scope, for Socket Mode. Reference it from the environment: \"${SLACK_APP_TOKEN}\".",
    }),
    botToken: Type.String({
      minLength: 1,
      description: "Bot user OAuth token (xoxb-...). Reference it from the environment: \"${SLACK_BOT_TOKEN}\".",
    }),
    apiUrl: Type.Optional(
      Type.String({
        // A pattern rather than format "uri": http(s) is what the client can use, and the generic
        // URI regex costs milliseconds to compile at every start.
        pattern: "^https?://",
        description: "Slack Web API base URL (http or https). Default https://slack.com/api/; GovSlack uses https://slack-gov.com/api/.",
      }),
    ),
  },
  { additionalProperties: false, description: "How the host reaches Slack (one Slack app for all bots)." },
);

const HttpConfig = Type.Object(
  {
    host: Type.Optional(Type.String({ default: "127.0.0.1", description: "Address the HTTP server listens on. Use 0.0.0.0 in a container." })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: "Port for webhooks (/hooks/<bot id>) and, unless adminPort is set, /healthz, /readyz and /metrics." })),
    adminPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: "Serve /healthz, /readyz and /metrics on this port instead, away from public webhooks." })),
    bodyLimitBytes: Type.Optional(Type.Integer({ minimum: 1, default: 1_048_576, description: "Largest webhook body accepted; larger requests get 413." })),
  },
  { additionalProperties: false, description: "The HTTP server for webhooks and health checks." },
);

const MemoryStoreConfig = Type.Object(
  { type: Type.Literal("memory", { description: "In process memory: state is lost on restart. For tests." }) },
  { additionalProperties: false },
);
const SqliteStoreConfig = Type.Object(
  {
    type: Type.Literal("sqlite", { description: "Embedded SQLite database (the default): one host, no server needed." }),
    path: Type.Optional(Type.String({ default: ".botyard/state.db", description: "Database file, relative to bots.yaml." })),
  },
  { additionalProperties: false },
);
const RedisStoreConfig = Type.Object(
  {
    type: Type.Literal("redis", { description: "Redis, shared by several host replicas." }),
    url: Type.String({ description: "redis://[user:password@]host:port[/db]. Reference it from the environment: \"${REDIS_URL}\"." }),
    prefix: Type.Optional(Type.String({ default: "botyard:", description: "Prefix of every key, so several deployments can share one Redis." })),
  },
  { additionalProperties: false },
);

export const StoreVariants = { memory: MemoryStoreConfig, sqlite: SqliteStoreConfig, redis: RedisStoreConfig } as const;
export const StoreConfig = Type.Union([MemoryStoreConfig, SqliteStoreConfig, RedisStoreConfig], {
  description: "Where bots keep state. Default: sqlite at .botyard/state.db beside bots.yaml.",
});

export const BotEntry = Type.Object(
  {
    id: Type.String({
      pattern: "^[a-z0-9][a-z0-9_-]{0,62}$",
      description: "Unique bot id: lowercase letters, digits, - and _. Used in webhook URLs (/hooks/<id>), logs, metrics and store keys.",
    }),
    use: Type.String({
      minLength: 1,
      description: "The plugin: an npm package name resolved from this file's directory (\"@botyard/plugin-oncall\"), or a relative path (\"./plugins/mine.js\").",
    }),
    enabled: Type.Optional(Type.Boolean({ default: true, description: "Set false to keep the bot in the file without running it." })),
    dryRun: Type.Optional(Type.Boolean({ default: false, description: "Log the actions the bot would run and run none." })),
    config: Type.Optional(Type.Unknown({ description: "The plugin's own settings; see the plugin's documentation or `botyard schema`." })),
  },
  { additionalProperties: false },
);

export const HostConfigSchema = Type.Object(
  {
    slack: SlackConfig,
    http: Type.Optional(HttpConfig),
    store: Type.Optional(StoreConfig),
    dryRun: Type.Optional(Type.Boolean({ default: false, description: "Run every bot dry: actions are logged, none run." })),
    log: Type.Optional(
      Type.Object(
        {
          level: Type.Optional(
            Type.Union([Type.Literal("fatal"), Type.Literal("error"), Type.Literal("warn"), Type.Literal("info"), Type.Literal("debug"), Type.Literal("trace"), Type.Literal("silent")], {
              default: "info",
              description: "Lowest level written. Logs are JSON lines on stdout, with secrets removed.",
            }),
          ),
        },
        { additionalProperties: false, description: "Logging." },
      ),
    ),
    shutdownTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, default: 10_000, description: "How long in-flight handlers may run after SIGTERM before they are aborted." })),
    queue: Type.Optional(
      Type.Object(
        {
          leaseMs: Type.Optional(
            Type.Integer({
              minimum: 100,
              default: 30_000,
              description:
                "How long a claimed job stays claimed without news from its worker (renewed while the handler runs, at most half of it after the last renewal). After a crash, the job is handed out again once it has passed.",
            }),
          ),
          concurrency: Type.Optional(
            Type.Integer({
              minimum: 1,
              default: 32,
              description:
                "Jobs handled at once per queue, in each host. Handlers mostly wait on Slack and other APIs, so this is about how many of those waits may overlap.",
            }),
          ),
          deadLetterTtlMs: Type.Optional(
            Type.Integer({
              minimum: 60_000,
              default: 1_209_600_000,
              description:
                "How long a durable job that failed for the last time is kept as a dead letter (with its payload, attempts and last error) before it is dropped: 14 days by default. Each one is counted in botyard_dead_letters_total.",
            }),
          ),
        },
        { additionalProperties: false, description: "The work queues behind durable webhooks and durable Slack events." },
      ),
    ),
    bots: Type.Array(BotEntry, { description: "The bots this host runs." }),
  },
  { additionalProperties: false, title: "Botyard bots.yaml" },
);

export type HostConfig = Static<typeof HostConfigSchema>;
export type BotEntryConfig = Static<typeof BotEntry>;
export type StoreConfigValue = Static<typeof StoreConfig>;
