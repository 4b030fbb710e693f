import type { WebAPICallResult, WebClient } from "@slack/web-api";
import { isSlackWriteMethod } from "./slack-client.js";

type Act = <T>(name: string, args: unknown, perform: () => Promise<T>, options?: { dryRunResult?: T }) => Promise<T>;

/**
 * The WebClient a run sees: the host's one client, with its write methods run as actions of that
 * run (logged with the run id, counted, skipped under dry-run). A Proxy, built on first use of
 * `ctx.slack`, costs nothing for runs that never touch Slack and needs no async context tracking.
 */
export function scopedSlackClient(client: WebClient, act: Act): WebClient {
  const apiCall = (method: string, args: Record<string, unknown> = {}): Promise<WebAPICallResult> =>
    isSlackWriteMethod(method)
      ? act(`slack.${method}`, args, () => client.apiCall(method, args), { dryRunResult: dryRunResult(method, args) })
      : client.apiCall(method, args);

  // Namespaces (`chat`, `usergroups.users`...) become proxies whose functions call the scoped apiCall.
  const namespace = (target: object, path: string): object =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver) as unknown;
        if (typeof prop !== "string") return value;
        const method = path ? `${path}.${prop}` : prop;
        if (isApiMethod(value)) return (args?: Record<string, unknown>) => apiCall(method, args);
        if (value && typeof value === "object" && isNamespace(value)) return namespace(value, method);
        return value;
      },
    });

  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "apiCall") return apiCall;
      const value = Reflect.get(target, prop, receiver) as unknown;
      // Helpers such as paginate() call `this.apiCall`: bind them to the proxy so they stay scoped.
      if (typeof value === "function") return (value as (...a: unknown[]) => unknown).bind(receiver);
      if (value && typeof value === "object" && typeof prop === "string" && isNamespace(value)) return namespace(value, prop);
      return value;
    },
  });
}

// The WebClient binds each Web API method as `apiCall.bind(client, "chat.postMessage")`.
function isApiMethod(value: unknown): boolean {
  return typeof value === "function" && value.name === "bound apiCall";
}

// Web API namespaces (`chat`, `usergroups.users`) are plain objects of bound methods or namespaces.
function isNamespace(value: object): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value as Record<string, unknown>).some((v) => isApiMethod(v) || (v !== null && typeof v === "object" && isNamespace(v)));
}

// What a dry-run write answers: enough for the usual follow-ups (threading under `ts`) to work.
function dryRunResult(method: string, args: Record<string, unknown>): WebAPICallResult {
  const ts = `${Math.floor(Date.now() / 1000)}.000000`;
  return { ok: true, dry_run: true, method, channel: args.channel, ts } as WebAPICallResult;
}
