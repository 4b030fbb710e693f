import { dirname, resolve } from "node:path";
import { ErrorCodes, validateAgainst } from "@botyard/core";
import { ConfigError, type ConfigProblem } from "./config-error.js";
import { decodeConfig, readConfigBytes } from "./config-file.js";
import { HostConfigSchema, HttpLimitDefaults, STORE_ALIASES, type HostConfig } from "./config-schema.js";
import { ConfigSource, readablePath } from "./config-source.js";
import { interpolate } from "./interpolate.js";

export interface LoadedConfig {
  /** Absolute path of bots.yaml. */
  file: string;
  /** Its directory: plugins and relative paths resolve from here. */
  dir: string;
  config: HostConfig;
  source: ConfigSource;
  /** Values that came from `${VAR}`: scrubbed from every log line. */
  secrets: string[];
  /** Each `${VAR}` and where in the file it is (to name one whose value is too short to scrub). */
  fromEnv: Array<{ variable: string; where: string; value: string }>;
}

/** The variable a `${VAR}` at `pointer` came from, if it came from one. */
function fromEnvAt(references: Array<{ name: string; path: string }>, pointer: string): string | undefined {
  return references.find((r) => r.path === pointer)?.name;
}

/**
 * Reads bots.yaml: YAML syntax, `${VAR}` interpolation, the host schema and unique bot ids. Plugin
 * configs are checked later, by the loader, against each plugin's own schema. Throws a ConfigError
 * listing every problem with its line and column.
 */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env, options: { allowUnsetEnv?: boolean } = {}): LoadedConfig {
  const file = resolve(path);
  const shown = path;
  const text = decodeConfig(readConfigBytes(file, shown), shown);

  const { source, errors } = ConfigSource.parse(shown, text);
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => ({
        code: e.invalid ? ErrorCodes.CONFIG_INVALID : ErrorCodes.CONFIG_SYNTAX,
        where: `${shown}:${e.line}:${e.col}`,
        path: "",
        message: e.message,
        ...(e.hint ? { hint: e.hint } : {}),
      })),
    );
  }
  if (source.empty) {
    throw new ConfigError([
      { code: ErrorCodes.CONFIG_INVALID, where: `${shown}:1:1`, path: "", message: "is empty", hint: "It needs at least slack: and bots: (see docs/configuration.md)." },
    ]);
  }

  const problems: ConfigProblem[] = [];
  // A value whose variable is unset would also fail the schema; one problem per value is enough.
  const unsetPaths = new Set<string>();
  // `list` and `schema` read the file without the secrets: they need no tokens.
  const { value, secrets, references } = interpolate(source.toJS() ?? {}, env, (bad) =>
    unsetPaths.add(bad.path) &&
    !(options.allowUnsetEnv && bad.problem === "unset") &&
    problems.push(
      bad.problem === "unset"
        ? {
            code: ErrorCodes.CONFIG_ENV_UNSET,
            where: source.where(bad.path),
            path: readablePath(bad.path),
            message: `environment variable ${bad.name} is not set`,
            hint: `Set ${bad.name} in the host's environment (or write $\${ for a literal \${).`,
          }
        : {
            code: ErrorCodes.CONFIG_INVALID,
            where: source.where(bad.path),
            path: readablePath(bad.path),
            message: `"\${${bad.name}}" is not an environment variable reference`,
            hint: "Write ${NAME} with letters, digits and _; $${ is a literal ${. Message templates in plugin configs use {{name}}.",
          },
    ),
  );

  const root = value as Record<string, unknown>;
  if (!root || typeof root !== "object" || Array.isArray(root)) {
    throw new ConfigError([{ code: ErrorCodes.CONFIG_INVALID, where: `${shown}:1:1`, path: "", message: "must be a mapping with slack:, bots: and optional http:, store:" }]);
  }

  // The store's own settings are checked against its package's schema once it is loaded (store/load-store.ts).
  const checked = validateAgainst<HostConfig>(HostConfigSchema, root);
  if (!checked.ok) {
    for (const issue of checked.issues) {
      if (unsetPaths.has(issue.path)) continue;
      problems.push({ code: ErrorCodes.CONFIG_INVALID, where: source.where(issue.path, issue.target), path: readablePath(issue.path), message: issue.message });
    }
  }

  // Node refuses to start a server whose headers may take longer than the whole request.
  const http = checked.ok ? checked.value.http : undefined;
  if (http) {
    const headers = http.headersTimeoutMs ?? HttpLimitDefaults.headersTimeoutMs;
    const request = http.requestTimeoutMs ?? HttpLimitDefaults.requestTimeoutMs;
    if (headers > request) {
      // Pointing at the value the file sets: the other may be a default.
      const at = (root.http as { headersTimeoutMs?: unknown } | undefined)?.headersTimeoutMs === undefined ? "requestTimeoutMs" : "headersTimeoutMs";
      problems.push({
        code: ErrorCodes.CONFIG_INVALID,
        where: source.where(`/http/${at}`),
        path: `http.${at}`,
        message: `http.headersTimeoutMs (${headers}) must not exceed http.requestTimeoutMs (${request})`,
        hint: `The headers are part of the request: give the whole request at least as long (the default headersTimeoutMs is ${HttpLimitDefaults.headersTimeoutMs}).`,
      });
    }
  }

  // The schema checks a URL's scheme only (a full URI pattern is slow to compile): whether it
  // parses is checked here, so that no client library throws its own raw "Invalid URL" at start.
  const urls: Array<{ pointer: string; value: unknown; schemes: string[]; example: string }> = [
    { pointer: "/slack/apiUrl", value: (root.slack as { apiUrl?: unknown } | undefined)?.apiUrl, schemes: ["http:", "https:"], example: "https://slack.com/api/" },
    { pointer: "/store/url", value: isRedis(root.store) ? root.store.url : undefined, schemes: ["redis:", "rediss:"], example: "redis://127.0.0.1:6379" },
  ];
  for (const url of urls) {
    if (typeof url.value !== "string" || unsetPaths.has(url.pointer) || problems.some((p) => p.path === readablePath(url.pointer))) continue;
    const parsed = URL.canParse(url.value) ? new URL(url.value) : undefined;
    if (parsed && url.schemes.includes(parsed.protocol) && parsed.hostname !== "") continue;
    // Only a URL's shape is said: it may hold a password.
    const shown = fromEnvAt(references, url.pointer) ? `the value of \${${fromEnvAt(references, url.pointer)}}` : "it";
    problems.push({
      code: ErrorCodes.CONFIG_INVALID,
      where: source.where(url.pointer),
      path: readablePath(url.pointer),
      message: `must be a URL with a host, starting with ${url.schemes.map((p) => `${p}//`).join(" or ")}; ${shown} is ${parsed ? `a ${parsed.protocol} URL${parsed.hostname ? "" : " without a host"}` : "not a URL"}`,
      hint: `For example ${url.example}.`,
    });
  }

  const bots = Array.isArray(root.bots) ? (root.bots as Array<{ id?: unknown }>) : [];
  const firstSeen = new Map<string, number>();
  bots.forEach((bot, i) => {
    if (typeof bot?.id !== "string") return;
    const before = firstSeen.get(bot.id);
    if (before === undefined) firstSeen.set(bot.id, i);
    else
      problems.push({
        code: ErrorCodes.DUPLICATE_BOT_ID,
        where: source.where(`/bots/${i}/id`),
        path: `bots[${i}].id`,
        message: `duplicate bot id "${bot.id}" (bots[${before}] at ${source.where(`/bots/${before}/id`)} has it too)`,
        hint: "Every bot needs its own id: it names its webhook URL, store namespace and metrics.",
      });
  });

  if (problems.length > 0) throw new ConfigError(problems);
  // When every issue came from an unset variable that `allowUnsetEnv` tolerates, the value is usable.
  const config = checked.value as HostConfig;
  const fromEnv = references.map((r) => ({ variable: r.name, where: source.where(r.path), value: r.value }));
  return { file, dir: dirname(file), config, source, secrets, fromEnv };
}

/** A `store:` section that names the Redis store, by alias or by package. */
function isRedis(store: unknown): store is { url?: unknown } {
  const s = store as { type?: unknown; use?: unknown } | undefined;
  return s?.type === "redis" || s?.use === STORE_ALIASES.redis;
}
