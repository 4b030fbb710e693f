import type { AlertmanagerConfig } from "../config.js";

type Labels = Record<string, string>;

/** One parsed matcher: Alertmanager's `=`, `!=`, `=~`, `!~` (regexes anchored, as Alertmanager's are). */
export interface Matcher {
  name: string;
  test: (value: string) => boolean;
}

export interface Route {
  channel: string;
  receiver?: string;
  matchers: Matcher[];
}

/** Parses `name="value"` and friends; throws naming the config field on a bad one. */
export function parseMatcher(source: string, field: string): Matcher {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"]*?))\s*$/.exec(source);
  if (!m) throw new Error(`alertmanager: config ${field} is not a matcher (write name="value", name!="value", name=~"regex" or name!~"regex").`);
  const [, name = "", op, quoted, bare] = m;
  const value = quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : (bare ?? "");
  if (op === "=" || op === "!=") {
    const equal = (v: string) => v === value;
    return { name, test: op === "=" ? equal : (v) => !equal(v) };
  }
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^(?:${value})$`);
  } catch (error) {
    throw new Error(`alertmanager: config ${field} has an invalid regular expression: ${(error as Error).message}`);
  }
  return { name, test: op === "=~" ? (v) => pattern.test(v) : (v) => !pattern.test(v) };
}

export function compileRoutes(routes: AlertmanagerConfig["routes"]): Route[] {
  return routes.map((route, i) => ({
    channel: route.channel,
    ...(route.receiver !== undefined ? { receiver: route.receiver } : {}),
    matchers: (route.matchers ?? []).map((source, j) => parseMatcher(source, `routes[${i}].matchers[${j}]`)),
  }));
}

/** The channel for a receiver and label set: the first route that takes them, else the default. A missing label is "" (as in Alertmanager). */
export function routeChannel(routes: Route[], fallback: string, receiver: string, labels: Labels): string {
  for (const route of routes) {
    if (route.receiver !== undefined && route.receiver !== receiver) continue;
    if (route.matchers.every((m) => m.test(labels[m.name] ?? ""))) return route.channel;
  }
  return fallback;
}
