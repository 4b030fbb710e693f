import type { ErrorCode } from "./botyard-error.js";

/** What an error code means and what to do about it: the source of `docs/errors.md`. */
export interface ErrorReferenceEntry {
  /** Where the error shows up. */
  readonly when: string;
  /** What the user does about it. */
  readonly fix: string;
}

/**
 * One entry per code, keyed by the code itself: a code added to `ErrorCodes` without an entry
 * here does not compile, so the reference page cannot fall behind.
 */
export const errorReference: { readonly [C in ErrorCode]: ErrorReferenceEntry } = {
  BOTYARD_ERR_CONFIG_SYNTAX: {
    when: "`bots.yaml` cannot be read or is not valid YAML: a missing file, a syntax error, a duplicate key, an alias that expands past the size limit. The message gives the file, line and column.",
    fix: "Fix the YAML at the line and column shown. `botyard validate` checks a file without starting anything.",
  },
  BOTYARD_ERR_CONFIG_INVALID: {
    when: "`bots.yaml` parsed, but a value is not what the host's schema expects (an unknown field, a wrong type, a bad store or HTTP setting). The message names the file, the path in it (`http.port`) and what was expected.",
    fix: "Correct the value at that path; `docs/configuration.md` lists every field with its type and default.",
  },
  BOTYARD_ERR_CONFIG_ENV_UNSET: {
    when: "A `${VAR}` in `bots.yaml` names an environment variable that is not set.",
    fix: "Export the variable before starting the host (secrets such as tokens belong in the environment, never in the file). A literal `${` is written `$${`.",
  },
  BOTYARD_ERR_DUPLICATE_BOT_ID: {
    when: "Two entries under `bots:` have the same `id`.",
    fix: "Give each bot its own id: the id names the bot's webhooks (`/hooks/<id>`), its store keys and its log lines.",
  },
  BOTYARD_ERR_PLUGIN_NOT_FOUND: {
    when: "A bot's `use:` names a package or path that cannot be resolved from the directory of `bots.yaml`.",
    fix: "Install the package beside `bots.yaml` (`npm install <package>`), or fix the relative path; plugins load only from what `bots.yaml` names.",
  },
  BOTYARD_ERR_PLUGIN_INVALID: {
    when: "The module named by `use:` loaded, but its default export is not a plugin made with `definePlugin`.",
    fix: "Export the plugin as the module's default: `export default definePlugin({ ... })`, and check that `use:` points at the package, not at one of its files.",
  },
  BOTYARD_ERR_CORE_VERSION_MISMATCH: {
    when: "The plugin's `core` range (in `definePlugin`) does not include the running `@botyard/core`.",
    fix: "Install a version of the plugin made for this core, or upgrade `@botyard/host` to a core the plugin supports.",
  },
  BOTYARD_ERR_PLUGIN_CONFIG_INVALID: {
    when: "A bot's `config:` does not match its plugin's schema. The message names the file, the line, the path (`bots[2].config.channel`) and what was expected.",
    fix: "Correct the value; each plugin's page (or `botyard schema`) lists its fields.",
  },
  BOTYARD_ERR_PLUGIN_SETUP_FAILED: {
    when: "A plugin's `setup` threw while the host was loading it. That bot is reported failed; the others run.",
    fix: "Read the cause in the message (often a config value the schema could not rule out); the plugin's author can reproduce it with `createTestBot`.",
  },
  BOTYARD_ERR_PLUGIN_START_FAILED: {
    when: "A bot's `onStart` hook threw. That bot is reported failed (log, `/readyz`, `botyard list`); the others run.",
    fix: "Read the cause in the message (a service the bot needs at start, a credential); restart the host once it is fixed.",
  },
  BOTYARD_ERR_PLUGIN_START_TIMEOUT: {
    when: "A bot's `onStart` hook ran past `startTimeoutMs`: it was aborted through its signal and the bot reported failed.",
    fix: "Find what `onStart` waits for (a slow service?); raise `startTimeoutMs` in `bots.yaml` only if the wait is expected.",
  },
  BOTYARD_ERR_TRIGGER_CONFLICT: {
    when: "Two bots claim the same slash command or mention keyword, so a message could not be routed to one of them.",
    fix: "Give one of them another command or keyword; plugins that can back several bots make theirs configurable.",
  },
  BOTYARD_ERR_TRIGGER_INVALID: {
    when: "A trigger was declared with arguments that cannot work: a bad cron pattern or timezone, an invalid slash command, two webhooks or two triggers of one bot under the same path or name.",
    fix: "Correct the value named in the message; when it comes from the bot's `config:`, fix it in `bots.yaml`.",
  },
  BOTYARD_ERR_WEBHOOK_BODY_INVALID: {
    when: "A durable webhook delivery queued before its plugin declared the webhook's `body:` (an upgrade) does not match that body: it is failed, retried and then kept as a dead letter rather than handled as what it is not. A new request that does not match is answered 400 `invalid_body` and never queued.",
    fix: "Have the sender deliver it again in the shape the plugin's docs describe; the dead letter (counted in `botyard_dead_letters_total`, kept `queue.deadLetterTtlMs`) holds the old delivery meanwhile.",
  },
  BOTYARD_ERR_NO_CHANNEL: {
    when: "A handler called `ctx.say` where no channel is implied (a schedule or a webhook).",
    fix: "Post with `ctx.slack.chat.postMessage({ channel, ... })`, naming the channel (usually from the bot's config).",
  },
  BOTYARD_ERR_NO_RESPONSE_URL: {
    when: "A handler called `ctx.respond` where Slack gave no `response_url` (anything but a slash command or a block action).",
    fix: "Use `ctx.say` or `ctx.slack.chat.postMessage` instead.",
  },
  BOTYARD_ERR_SERVICE_NOT_FOUND: {
    when: "A plugin resolved a dependency-injection token that nothing registered.",
    fix: "Register the service in the plugin's `setup` (or in the test, to replace it) before resolving it.",
  },
  BOTYARD_ERR_STORE_NOT_FOUND: {
    when: "`store.use` names a store package or path that cannot be resolved from the directory of `bots.yaml`.",
    fix: "Install the store package beside `bots.yaml` (`npm install <package>`), fix the path, or use one of the built-in stores: `type: sqlite`, `redis` or `memory`.",
  },
  BOTYARD_ERR_STORE_INVALID: {
    when: "The module named by `store.use` loaded, but its default export is not a store made with `defineStore`.",
    fix: "Export the store as the module's default: `export default defineStore({ ... })` (see `docs/writing-a-store.md`).",
  },
  BOTYARD_ERR_STORE_CONFIG_INVALID: {
    when: "The `store:` settings do not match the chosen store's schema. The message names the file, the line, the path (`store.url`) and what was expected.",
    fix: "Correct the value; `docs/configuration.md` lists the built-in stores' settings, a third-party store's README its own.",
  },
  BOTYARD_ERR_STORE: {
    when: "The store refused an operation: the database is damaged, closed, a directory, or a value is out of its bounds. The message names the file or server.",
    fix: "Follow the message: restore or move the damaged file (the host never overwrites it), or fix the path in `store:`.",
  },
  BOTYARD_ERR_STORE_UNAVAILABLE: {
    when: "The store did not answer: Redis unreachable or paused, a SQLite disk full or read-only mid-run. The host pauses intake (webhooks answer 503 with `Retry-After`, Slack envelopes are held) and reports not ready until it answers again; nothing acknowledged is lost.",
    fix: "Bring the store back (free disk space, restart Redis, fix the network); the host resumes by itself. A command that had gone out carries `details.outcome: \"unknown\"`.",
  },
  BOTYARD_ERR_STORE_LOCKED: {
    when: "Another process already holds the store: a second host on the same SQLite file.",
    fix: "Stop the other host, or run replicas on Redis (`store: { type: redis }`), which is made for sharing.",
  },
  BOTYARD_ERR_STORE_VALUE: {
    when: "A plugin gave the store a value it cannot keep (not JSON-serialisable: a function, a cycle, a BigInt).",
    fix: "Store plain JSON data: convert dates to strings and classes to plain objects.",
  },
  BOTYARD_ERR_METRIC_INVALID: {
    when: "A plugin gave `ctx.metrics` a name, value or labels it cannot report (not snake_case, not a finite number, a label name Prometheus refuses).",
    fix: "Use a snake_case name, a finite number and at most a few low-cardinality labels.",
  },
  BOTYARD_ERR_HOST_START: {
    when: "The host cannot start with what it was given: a missing or wrong Slack token (`xapp-` for the app token, `xoxb-` for the bot token), a token Slack refuses, or Socket Mode turned off for the app.",
    fix: "Check the tokens in the environment variables `bots.yaml` names, and that Socket Mode is on in the app's settings; `docs/getting-started.md` shows where each token comes from.",
  },
  BOTYARD_ERR_SLACK_SCOPES_MISSING: {
    when: "At start, the bot token's scopes (Slack names them in the `x-oauth-scopes` header of `auth.test`'s answer) lack some a loaded bot needs: a scope its plugin declares for the Web API methods it calls, or one its triggers imply (`app_mentions:read` for a mention, `commands` for a slash command). A warning, logged once per bot, shown by `botyard list` and in `/readyz` under `scopes`: the host runs, and that bot's calls needing the scope fail with `missing_scope`.",
    fix: "Update the Slack app from the manifest `botyard manifest` prints for this `bots.yaml` (app settings → App Manifest, or create the app again), reinstall it to the workspace so the token gets the new scopes, and restart the host. See docs/operations.md.",
  },
  BOTYARD_ERR_DEMO_NOT_INSTALLED: {
    when: "`botyard demo` ran, but the `@botyard/demo` package (the emulators and the transcript, kept out of the host so that a production install does not carry them) is neither beside `bots.yaml` nor beside the host.",
    fix: "Install it where you try the demo: `npm install --save-dev @botyard/demo` (from a clone, its tarball is in `dist-tarballs/`). `botyard start` never needs it.",
  },
  BOTYARD_ERR_ADMIN_UNAUTHORIZED: {
    when: "A request to the admin endpoint (what `botyard deadletters`, `botyard reload` and `botyard backup` use) carried no `Authorization: Bearer` token, or not the one `admin.token` holds. Answered 401.",
    fix: "Run the command with the same `BOTYARD_ADMIN_TOKEN` (or whichever variable `admin.token` names) as the host; after changing the token, restart the host (a reload does not change it).",
  },
  BOTYARD_ERR_ADMIN_FORBIDDEN: {
    when: "A request to the admin endpoint came from a web page (it carried an `Origin` header). Answered 403 whatever its token, so that no page open in a browser on the host's machine can drive it.",
    fix: "Use `botyard deadletters` / `botyard reload`, or curl, which send no `Origin`.",
  },
  BOTYARD_ERR_ADMIN_UNAVAILABLE: {
    when: "`botyard deadletters`, `botyard reload` or `botyard backup` could not use a host's admin endpoint: `admin.token` is not set in `bots.yaml` (the endpoint is off) or its variable is not set in this shell, or no host answered at the address.",
    fix: "Set `admin: { token: \"${BOTYARD_ADMIN_TOKEN}\" }` in `bots.yaml` and export the variable for the host and the command; check that the host runs, and pass `--url http://host:port` when the endpoint is not at `admin.host`:`admin.port` (127.0.0.1:3001 by default).",
  },
  BOTYARD_ERR_DEAD_LETTER_NOT_FOUND: {
    when: "No dead letter has the id given: it was replayed or dropped already (by you or through another replica), or it was older than `queue.deadLetterTtlMs`.",
    fix: "`botyard deadletters list` shows the letters there are now, with their ids.",
  },
  BOTYARD_ERR_RELOAD_REFUSED: {
    when: "A reload (SIGHUP or `botyard reload`) read a `bots.yaml` that does not validate. Nothing changed: the running bots carry on with the config they had. The problems are listed with file, line and column, as `botyard validate` lists them.",
    fix: "Fix the problems (`botyard validate` checks the file without touching the host), then reload again.",
  },
  BOTYARD_ERR_STORE_BACKUP_UNSUPPORTED: {
    when: "`botyard backup` (or `POST /admin/backup`) asked a host whose store has no online backup. The Redis store has none on purpose: the data lives in the Redis server, which has its own persistence (RDB snapshots, the append-only file). Answered 501.",
    fix: "Back up the Redis server with its own tools: `redis-cli --rdb <file>` for a snapshot, or copy the RDB/AOF files its `dir` holds after `BGSAVE` (see docs/operations.md). `botyard backup` serves the SQLite store, whose file the host holds exclusively.",
  },
  BOTYARD_ERR_BACKUP_PATH: {
    when: "A backup's destination cannot be used: not an absolute path (`POST /admin/backup` resolves nothing; `botyard backup` makes `--out` absolute from where it runs), a file already there without `overwrite` (409), a directory, a directory that does not exist, or the store's own database file (or its `-wal`/`-shm`). Nothing was written.",
    fix: "Give `--out` a new file in an existing directory on the host's machine (a dated name such as `/var/backups/botyard/state-$(date +%F).db` never collides), or pass `--overwrite` to replace the file there. Never the path in `store.path`.",
  },
  BOTYARD_ERR_BACKUP_FAILED: {
    when: "A backup started but the copy could not be written: a full disk or an I/O error at the destination, the store closing meanwhile. The partial copy was removed: no file appeared at the destination, and the store itself is untouched and serving.",
    fix: "Read the message for the cause (free space at the destination: the copy is about as large as the database file), fix it and run `botyard backup` again.",
  },
};
