import type { Logger, WebClient } from "@botyard/core";

export interface WorkspaceInfo {
  /** `https://acme.slack.com/`, for links to messages. */
  url?: string;
  /** This app's bot id and bot user id: its own messages are never Datadog's, and its alert posts are found in history. */
  botId?: string;
  userId?: string;
}

/**
 * `auth.test`, called once per bot (at start, or at first need if Slack was unreachable then) and
 * kept: links to messages are built from its `url`, never with a `chat.getPermalink` per recovery.
 */
export class Workspace {
  private known: WorkspaceInfo | undefined;
  private loading: Promise<WorkspaceInfo> | undefined;

  /** What is known so far, without waiting. */
  get info(): WorkspaceInfo {
    return this.known ?? {};
  }

  /**
   * Loads it once; a failure is logged and tried again next time (links are left out meanwhile).
   * Takes the run's context rather than its client and logger: once loaded, a delivery should not
   * make either (a run makes them on first use).
   */
  load(ctx: { readonly slack: WebClient; readonly log: Logger }): Promise<WorkspaceInfo> {
    if (this.known) return Promise.resolve(this.known);
    this.loading ??= ctx.slack.auth
      .test()
      .then((auth) => {
        this.known = {
          ...(typeof auth.url === "string" ? { url: auth.url } : {}),
          ...(typeof auth.bot_id === "string" ? { botId: auth.bot_id } : {}),
          ...(typeof auth.user_id === "string" ? { userId: auth.user_id } : {}),
        };
        return this.known;
      })
      .catch((error: unknown) => {
        ctx.log.warn({ err: error }, "auth.test failed: links to alert messages are left out until it succeeds");
        this.loading = undefined;
        return {};
      });
    return this.loading;
  }
}
