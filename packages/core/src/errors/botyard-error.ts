/**
 * Every error a user can hit carries a stable code (`BOTYARD_ERR_*`) and a message that says what
 * to do. Codes are compared by value, never with `instanceof`: a plugin installed beside
 * `bots.yaml` may bring its own copy of core, and its errors must still be recognised.
 */
export const ErrorCodes = {
  /** bots.yaml cannot be read or parsed. */
  CONFIG_SYNTAX: "BOTYARD_ERR_CONFIG_SYNTAX",
  /** bots.yaml parsed but a value is not what the schema expects. */
  CONFIG_INVALID: "BOTYARD_ERR_CONFIG_INVALID",
  /** `${VAR}` names an environment variable that is not set. */
  CONFIG_ENV_UNSET: "BOTYARD_ERR_CONFIG_ENV_UNSET",
  /** Two bots share an id. */
  DUPLICATE_BOT_ID: "BOTYARD_ERR_DUPLICATE_BOT_ID",
  /** `use:` names a plugin that cannot be found from the config file's directory. */
  PLUGIN_NOT_FOUND: "BOTYARD_ERR_PLUGIN_NOT_FOUND",
  /** The module named by `use:` loaded but does not export a plugin made with `definePlugin`. */
  PLUGIN_INVALID: "BOTYARD_ERR_PLUGIN_INVALID",
  /** The plugin's `core` range does not include the running core. */
  CORE_VERSION_MISMATCH: "BOTYARD_ERR_CORE_VERSION_MISMATCH",
  /** A bot's `config:` does not match its plugin's schema. */
  PLUGIN_CONFIG_INVALID: "BOTYARD_ERR_PLUGIN_CONFIG_INVALID",
  /** A plugin's `setup` threw. */
  PLUGIN_SETUP_FAILED: "BOTYARD_ERR_PLUGIN_SETUP_FAILED",
  /** A bot's `onStart` hook threw: that bot is failed, the others run. */
  PLUGIN_START_FAILED: "BOTYARD_ERR_PLUGIN_START_FAILED",
  /** A bot's `onStart` hook ran past `startTimeoutMs`: it was aborted and the bot failed. */
  PLUGIN_START_TIMEOUT: "BOTYARD_ERR_PLUGIN_START_TIMEOUT",
  /** Two bots claim the same slash command or mention keyword. */
  TRIGGER_CONFLICT: "BOTYARD_ERR_TRIGGER_CONFLICT",
  /** A trigger was declared with arguments that cannot work (bad cron, bad path...). */
  TRIGGER_INVALID: "BOTYARD_ERR_TRIGGER_INVALID",
  /** A queued webhook delivery does not match the body the webhook now declares. */
  WEBHOOK_BODY_INVALID: "BOTYARD_ERR_WEBHOOK_BODY_INVALID",
  /** `ctx.say` was called where no channel is implied. */
  NO_CHANNEL: "BOTYARD_ERR_NO_CHANNEL",
  /** `ctx.respond` was called where there is no response_url. */
  NO_RESPONSE_URL: "BOTYARD_ERR_NO_RESPONSE_URL",
  /** A DI token was resolved that nothing registered. */
  SERVICE_NOT_FOUND: "BOTYARD_ERR_SERVICE_NOT_FOUND",
  /** `store.use` names a store package that cannot be found from the config file's directory. */
  STORE_NOT_FOUND: "BOTYARD_ERR_STORE_NOT_FOUND",
  /** The module named by `store.use` loaded but does not export a store made with `defineStore`. */
  STORE_INVALID: "BOTYARD_ERR_STORE_INVALID",
  /** The `store:` settings do not match the chosen store's schema. */
  STORE_CONFIG_INVALID: "BOTYARD_ERR_STORE_CONFIG_INVALID",
  /** The store refused an operation (locked database, bad value...). */
  STORE: "BOTYARD_ERR_STORE",
  /**
   * The store did not answer (unreachable, too slow, out of disk): nothing was done, or, for a
   * command that had gone out, it is unknown whether it was (`details.outcome: "unknown"`). The
   * host pauses intake until the store answers again; retrying later is right.
   */
  STORE_UNAVAILABLE: "BOTYARD_ERR_STORE_UNAVAILABLE",
  /** Another process already holds the store (e.g. the same SQLite file). */
  STORE_LOCKED: "BOTYARD_ERR_STORE_LOCKED",
  /** A value given to the store cannot be stored (not JSON-serialisable). */
  STORE_VALUE: "BOTYARD_ERR_STORE_VALUE",
  /** `ctx.metrics` was given a name, value or labels it cannot report. */
  METRIC_INVALID: "BOTYARD_ERR_METRIC_INVALID",
  /** The host was asked to start without what it needs (tokens...). */
  HOST_START: "BOTYARD_ERR_HOST_START",
  /** The bot token lacks scopes the loaded bots need (a warning: the host runs, those calls fail). */
  SLACK_SCOPES_MISSING: "BOTYARD_ERR_SLACK_SCOPES_MISSING",
  /** `botyard demo` ran where the `@botyard/demo` package is not installed. */
  DEMO_NOT_INSTALLED: "BOTYARD_ERR_DEMO_NOT_INSTALLED",
  /** An admin request without the admin token, or with a wrong one. */
  ADMIN_UNAUTHORIZED: "BOTYARD_ERR_ADMIN_UNAUTHORIZED",
  /** An admin request from a web page (it carries an Origin header): refused whatever its token. */
  ADMIN_FORBIDDEN: "BOTYARD_ERR_ADMIN_FORBIDDEN",
  /** `botyard deadletters`/`reload` could not use the admin endpoint: none configured, none answering. */
  ADMIN_UNAVAILABLE: "BOTYARD_ERR_ADMIN_UNAVAILABLE",
  /** No dead letter has the id given (replayed, dropped, or past its TTL). */
  DEAD_LETTER_NOT_FOUND: "BOTYARD_ERR_DEAD_LETTER_NOT_FOUND",
  /** A reload of bots.yaml was refused: the new file does not validate; the running bots carry on. */
  RELOAD_REFUSED: "BOTYARD_ERR_RELOAD_REFUSED",
  /** `botyard backup` against a store that has no online backup (Redis: use its own persistence). */
  STORE_BACKUP_UNSUPPORTED: "BOTYARD_ERR_STORE_BACKUP_UNSUPPORTED",
  /** A backup's destination is not usable: relative, existing (without overwrite), a directory, the store's own file. */
  BACKUP_PATH: "BOTYARD_ERR_BACKUP_PATH",
  /** A backup started but could not be written (full disk, I/O error): no file was left at the destination. */
  BACKUP_FAILED: "BOTYARD_ERR_BACKUP_FAILED",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface BotyardErrorOptions {
  /** What the user should do about it. Appended to the message. */
  hint?: string;
  cause?: unknown;
  /** Structured details (file, path, line...) for tools and tests. */
  details?: Record<string, unknown>;
}

export class BotyardError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: BotyardErrorOptions = {}) {
    super(options.hint ? `${message}\n  hint: ${options.hint}` : message, { cause: options.cause });
    this.name = "BotyardError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }
}

/** True for any Botyard error, from this copy of core or another; narrows by code when given. */
export function isBotyardError(error: unknown, code?: ErrorCode): error is BotyardError {
  if (typeof error !== "object" || error === null) return false;
  const c = (error as { code?: unknown }).code;
  if (typeof c !== "string" || !c.startsWith("BOTYARD_ERR_")) return false;
  return code === undefined || c === code;
}
