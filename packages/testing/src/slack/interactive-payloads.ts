// What Slack sends an app over Socket Mode when a person runs a slash command or clicks a button,
// and how the button is found in a message's blocks.
import { type ChannelRecord, type SlackMessage, stripUndefined, type UserRecord } from "./state.js";

/** Who the app is, as these payloads name it. */
export interface AppIdentity {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;
  readonly verificationToken: string;
}

export function slashCommandPayload(
  app: AppIdentity,
  p: { channel: ChannelRecord; user: UserRecord; command: string; text: string; responseUrl: string; triggerId: string },
): Record<string, unknown> {
  return {
    token: app.verificationToken,
    team_id: app.teamId,
    team_domain: app.teamDomain,
    channel_id: p.channel.id,
    channel_name: p.channel.kind === "im" ? "directmessage" : p.channel.name,
    user_id: p.user.id,
    user_name: p.user.name,
    command: p.command,
    text: p.text,
    api_app_id: app.appId,
    is_enterprise_install: "false",
    response_url: p.responseUrl,
    trigger_id: p.triggerId,
  };
}

export function blockActionsPayload(
  app: AppIdentity,
  p: { channel: ChannelRecord; user: UserRecord; message: SlackMessage; ephemeral: boolean; found: FoundAction; value: unknown; actionTs: string; responseUrl: string; triggerId: string },
): Record<string, unknown> {
  const { element, blockId } = p.found;
  return {
    type: "block_actions",
    user: { id: p.user.id, username: p.user.name, name: p.user.name, team_id: app.teamId },
    api_app_id: app.appId,
    token: app.verificationToken,
    container: stripUndefined({
      type: "message",
      message_ts: p.message.ts,
      channel_id: p.channel.id,
      is_ephemeral: p.ephemeral,
      thread_ts: p.message.thread_ts && p.message.thread_ts !== p.message.ts ? p.message.thread_ts : undefined,
    }),
    trigger_id: p.triggerId,
    team: { id: app.teamId, domain: app.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: p.channel.id, name: p.channel.kind === "im" ? "directmessage" : p.channel.name },
    // Slack leaves out the message of an ephemeral container.
    ...(p.ephemeral ? {} : { message: structuredClone(p.message) }),
    state: { values: {} },
    response_url: p.responseUrl,
    actions: [
      stripUndefined({
        action_id: element.action_id,
        block_id: blockId,
        text: element.text,
        value: p.value ?? element.value,
        style: element.style,
        type: element.type,
        action_ts: p.actionTs,
      }),
    ],
  };
}

export interface FoundAction {
  element: Record<string, unknown>;
  blockId: string | undefined;
}

export function* interactiveElements(blocks: unknown[]): Generator<FoundAction> {
  for (const raw of blocks) {
    const block = raw as { block_id?: string; type?: string; elements?: unknown[]; accessory?: unknown; element?: unknown };
    const candidates = [...(block.type === "actions" ? (block.elements ?? []) : []), block.accessory, block.element].filter(Boolean);
    for (const element of candidates) yield { element: element as Record<string, unknown>, blockId: block.block_id };
  }
}

export function findAction(blocks: unknown[], actionId: string, blockId?: string): FoundAction | undefined {
  for (const found of interactiveElements(blocks)) {
    if (found.element.action_id === actionId && (!blockId || found.blockId === blockId)) return found;
  }
  return undefined;
}

export function listActions(blocks: unknown[]): string[] {
  return [...interactiveElements(blocks)].map((f) => String(f.element.action_id));
}
