/** A Socket Mode envelope as the host received it (also what webhooks-over-HTTP receivers produce). */
export interface SlackEnvelope {
  envelope_id: string;
  type: "events_api" | "slash_commands" | "interactive" | string;
  payload: Record<string, unknown>;
  retry_attempt?: number;
  retry_reason?: string;
  accepts_response_payload?: boolean;
}

/** Who caused a run, when a person did. */
export interface Actor {
  slackUserId: string;
  slackUserName?: string;
  teamId?: string;
}

/** The fields of a `message` event that bots use most (Slack sends more; all of it is there). */
export interface MessageEvent {
  type: "message";
  channel: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  subtype?: string;
  channel_type?: string;
  team?: string;
  blocks?: unknown[];
  attachments?: Array<Record<string, unknown>>;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  [field: string]: unknown;
}

export interface AppMentionEvent {
  type: "app_mention";
  channel: string;
  user: string;
  text: string;
  ts: string;
  thread_ts?: string;
  [field: string]: unknown;
}

export interface ReactionAddedEvent {
  type: "reaction_added";
  user: string;
  reaction: string;
  item: { type: string; channel: string; ts: string };
  item_user?: string;
  event_ts: string;
  [field: string]: unknown;
}

/** A slash command as Slack sends it (all fields are strings). */
export interface SlashCommand {
  command: string;
  text: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  channel_name?: string;
  team_id: string;
  response_url: string;
  trigger_id: string;
  [field: string]: string | undefined;
}

/** A `block_actions` interaction payload. */
export interface BlockActionPayload {
  type: "block_actions";
  user: { id: string; username?: string; name?: string; team_id?: string };
  channel?: { id: string; name?: string };
  message?: { ts: string; thread_ts?: string; text?: string; [field: string]: unknown };
  container?: Record<string, unknown>;
  response_url?: string;
  trigger_id: string;
  actions: BlockAction[];
  [field: string]: unknown;
}

export interface BlockAction {
  action_id: string;
  block_id?: string;
  type: string;
  value?: string;
  action_ts?: string;
  [field: string]: unknown;
}
