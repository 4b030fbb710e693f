import type { WebClient } from "@slack/web-api";

/**
 * What `botyard validate` and `botyard list` give the engine in place of a Slack client: setup only
 * registers, so nothing calls it, and making a real one would load the Slack Web API client (and
 * axios) for commands that never reach Slack. A call is a bug in the command, and says so.
 */
export function offlineSlackClient(command: string): WebClient {
  const refuse = (path: string): never => {
    throw new Error(`\`${command}\` does not reach Slack, yet something called slack.${path}: report this as a bug in Botyard.`);
  };
  const at = (path: string): unknown =>
    new Proxy(() => {}, {
      get: (_target, key) => (key === "then" ? undefined : at(path ? `${path}.${String(key)}` : String(key))),
      apply: () => refuse(path),
    });
  return at("") as WebClient;
}
