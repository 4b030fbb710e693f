import { Type, type Static } from "@botyard/core";

/**
 * The longest duration bots.yaml accepts, in ms (about 24.8 days): Node's timers hold at most
 * 2^31-1 ms and fire a longer one after 1 ms, and its HTTP server refuses larger timeouts.
 */
export const MAX_TIMER_MS = 2_147_483_647;

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

/**
 * The HTTP server's limits when bots.yaml does not set them; why each is what it is, next to
 * Node's and Fastify's, is in docs/configuration.md.
 */
export const HttpLimitDefaults = {
  bodyLimitBytes: 1_048_576,
  maxHeaderBytes: 16_384,
  maxConnections: 1_024,
  maxInFlight: 256,
  maxInFlightPerBot: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
} as const;

const HttpConfig = Type.Object(
  {
    host: Type.Optional(Type.String({ default: "127.0.0.1", description: "Address the HTTP server listens on. Use 0.0.0.0 in a container." })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: "Port for webhooks (/hooks/<bot id>) and, unless adminPort is set, /healthz, /readyz and /metrics." })),
    adminPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: "Serve /healthz, /readyz and /metrics on this port instead, away from public webhooks." })),
    bodyLimitBytes: Type.Optional(Type.Integer({ minimum: 1, default: HttpLimitDefaults.bodyLimitBytes, description: "Largest webhook body accepted; larger requests get 413." })),
    maxHeaderBytes: Type.Optional(
      Type.Integer({ minimum: 1_024, maximum: 1_048_576, default: HttpLimitDefaults.maxHeaderBytes, description: "Largest request line and headers accepted, together; larger requests get 431." }),
    ),
    maxConnections: Type.Optional(
      Type.Integer({ minimum: 1, default: HttpLimitDefaults.maxConnections, description: "Open connections each port accepts; further connections are closed at once." }),
    ),
    maxInFlight: Type.Optional(
      Type.Integer({ minimum: 1, default: HttpLimitDefaults.maxInFlight, description: "Webhook requests handled at once, all bots together; more get 503 with Retry-After. Health and metrics requests do not count." }),
    ),
    maxInFlightPerBot: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: HttpLimitDefaults.maxInFlightPerBot,
        description: "Webhook requests one bot handles at once; more get 429 with Retry-After, and the other bots are not affected.",
      }),
    ),
    headersTimeoutMs: Type.Optional(
      Type.Integer({ minimum: 100, maximum: MAX_TIMER_MS, default: HttpLimitDefaults.headersTimeoutMs, description: "Time a client has to send the request line and headers; then it gets 408 and the connection is closed. At most requestTimeoutMs." }),
    ),
    requestTimeoutMs: Type.Optional(
      Type.Integer({ minimum: 100, maximum: MAX_TIMER_MS, default: HttpLimitDefaults.requestTimeoutMs, description: "Time a client has to send the whole request, body included; then it gets 408 and the connection is closed." }),
    ),
    keepAliveTimeoutMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_TIMER_MS,
        default: HttpLimitDefaults.keepAliveTimeoutMs,
        description: "How long an idle keep-alive connection stays open. Behind a load balancer, set it longer than the balancer's idle timeout.",
      }),
    ),
  },
  { additionalProperties: false, description: "The HTTP server for webhooks and health checks, and its limits." },
);

/** The admin endpoint's defaults: loopback only, on a port of its own. */
export const AdminDefaults = { host: "127.0.0.1", port: 3001 } as const;

const AdminConfig = Type.Object(
  {
    token: Type.Optional(
      Type.String({
        minLength: 24,
        description:
          "Bearer token every admin request must carry (Authorization: Bearer <token>). Reference it from the environment: \"${BOTYARD_ADMIN_TOKEN}\". Without it the admin endpoint is off. At least 24 characters (e.g. openssl rand -hex 24).",
      }),
    ),
    host: Type.Optional(
      Type.String({ default: AdminDefaults.host, description: "Address the admin endpoint listens on: loopback by default, so only this machine (or this pod) reaches it. Never expose it publicly." }),
    ),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, default: AdminDefaults.port, description: "Port of the admin endpoint (dead letters, reload), separate from webhooks and health." })),
  },
  {
    additionalProperties: false,
    description: "The admin endpoint that botyard deadletters and botyard reload talk to: its own listener, loopback by default, protected by a token from the environment; off without a token.",
  },
);

/**
 * The shorthands `store.type` takes, each naming a store package the host depends on (or core's
 * memory store). Any other store is named by package with `store.use`.
 */
export const STORE_ALIASES = {
  sqlite: "@botyard/store-sqlite",
  redis: "@botyard/store-redis",
  memory: "@botyard/core",
} as const;

// Open: the store's own settings sit beside `use`/`type`, and are checked against the schema its
// package declares (defineStore), once the package is loaded (see store/load-store.ts).
export const StoreConfig = Type.Object(
  {
    use: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "The store: an npm package exporting defineStore({...}), resolved from this file's directory like a plugin (\"@botyard/store-redis\", \"@acme/botyard-store-postgres\"), or a relative path. Its settings go beside it; see the store's documentation.",
      }),
    ),
    type: Type.Optional(
      Type.Enum(["sqlite", "redis", "memory"], {
        description:
          "Shorthand for a built-in store, instead of use: sqlite is @botyard/store-sqlite (the default: one host, a file), redis is @botyard/store-redis (several replicas), memory keeps state in the process (tests; lost on restart).",
      }),
    ),
  },
  {
    additionalProperties: true,
    description: "Where bots keep state: use: or type:, and that store's settings beside it. Default: sqlite at .botyard/state.db beside bots.yaml.",
  },
);

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
    admin: Type.Optional(AdminConfig),
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
    shutdownTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TIMER_MS, default: 10_000, description: "How long in-flight handlers may run after SIGTERM before they are aborted." })),
    startTimeoutMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: MAX_TIMER_MS,
        default: 30_000,
        description:
          "How long each bot's start hooks (`bot.onStart`) may run before that bot is reported failed (BOTYARD_ERR_PLUGIN_START_TIMEOUT) and its hook aborted (`ctx.signal`); the other bots start. Slack events wait for every bot's start, so keep it short.",
      }),
    ),
    queue: Type.Optional(
      Type.Object(
        {
          claimMs: Type.Optional(
            Type.Integer({
              minimum: 100,
              maximum: MAX_TIMER_MS,
              default: 30_000,
              description:
                "How long a claimed job stays claimed without news from its worker (renewed while the handler runs, at most half of it after the last renewal). After a crash, the job is handed out again once it has passed.",
            }),
          ),
          leaseMs: Type.Optional(
            Type.Integer({
              minimum: 100,
              maximum: MAX_TIMER_MS,
              description:
                "The former name of `queue.claimMs` (a job's claim is not a lease: leases are the named ones behind schedules and `ctx.once`), still accepted; when set, it is used instead of `claimMs`.",
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
              maximum: MAX_TIMER_MS,
              default: 1_209_600_000,
              description:
                "How long a durable job that failed for the last time is kept as a dead letter (with its payload, attempts and last error) before it is dropped: 14 days by default. botyard deadletters lists, replays and drops them; botyard_dead_letters{bot} counts those kept, botyard_dead_letters_total those made.",
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

// `store:` carries the chosen store's own settings beside `use`/`type`.
export type HostConfig = Omit<Static<typeof HostConfigSchema>, "store"> & { store?: StoreConfigValue };
export type BotEntryConfig = Static<typeof BotEntry>;
/** `store:` as written: `use` or `type`, and the store's own settings beside them. */
export type StoreConfigValue = Static<typeof StoreConfig> & Record<string, unknown>;
export type HttpConfigValue = Static<typeof HttpConfig>;
export type AdminConfigValue = Static<typeof AdminConfig>;
