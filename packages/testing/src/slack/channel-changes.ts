// What people do to a channel besides talking in it, and the system messages Slack posts for it
// (`channel_join`, `channel_leave`, `channel_name`, `channel_purpose`, `channel_archive`), and the
// kinds of message a person posts besides plain text (`file_share`, `me_message`).
import { apiError } from "./errors.js";
import { alnum } from "./events.js";
import { type ChannelRecord, nowSec, type SlackActivity, type Workspace } from "./state.js";

/** A file a person shares with a message (see `SendMessageOptions.files`). */
export interface SharedFile {
  name: string;
  title?: string;
  /** Default: from the name's extension, `text/plain` when unknown. */
  mimetype?: string;
  /** Size in bytes (default 1024). */
  size?: number;
}

const MIME: Record<string, [string, string]> = {
  csv: ["text/csv", "CSV"],
  txt: ["text/plain", "Plain Text"],
  log: ["text/plain", "Plain Text"],
  json: ["application/json", "JSON"],
  png: ["image/png", "PNG"],
  jpg: ["image/jpeg", "JPEG"],
  pdf: ["application/pdf", "PDF"],
  zip: ["application/zip", "Zip"],
};

/** The file object Slack puts in a `file_share` message's `files`, for a plain upload visible in the workspace. */
export function fileObject(ws: Workspace, file: SharedFile, user: string): Record<string, unknown> {
  const id = ws.newId("F", () => false);
  const ext = (/\.([a-z0-9]+)$/i.exec(file.name)?.[1] ?? "txt").toLowerCase();
  const [guessed, pretty] = MIME[ext] ?? ["text/plain", "Plain Text"];
  const created = nowSec();
  const base = `https://files.slack.com/files-pri/${ws.identity.teamId}-${id}`;
  return {
    id,
    created,
    timestamp: created,
    name: file.name,
    title: file.title ?? file.name,
    mimetype: file.mimetype ?? guessed,
    filetype: ext,
    pretty_type: pretty,
    user,
    user_team: ws.identity.teamId,
    mode: "hosted",
    editable: false,
    is_external: false,
    external_type: "",
    username: "",
    size: file.size ?? 1024,
    url_private: `${base}/${file.name}`,
    url_private_download: `${base}/download/${file.name}`,
    permalink: `https://${ws.identity.teamDomain}.slack.com/files/${user}/${id}/${file.name}`,
    permalink_public: `https://slack-files.com/${ws.identity.teamId}-${id}-${alnum(10).toLowerCase()}`,
    is_public: true,
    public_url_shared: false,
    display_as_bot: false,
    has_rich_preview: false,
    file_access: "visible",
    media_display_type: "unknown",
  };
}

/** A person joins (or is added by `inviter` to) a channel: `channel_join`, and `member_joined_channel` for the bot. */
export function joinChannel(ws: Workspace, channel: ChannelRecord, user: string, inviter?: string): SlackActivity[] {
  if (channel.members.has(user)) return [];
  channel.members.add(user);
  const posted = ws.post(channel, {
    subtype: "channel_join",
    user,
    team: ws.identity.teamId,
    ...(inviter ? { inviter } : {}),
    text: `<@${user}> has joined the channel`,
  });
  return [{ type: "member_joined", channel: channel.id, user, ...(inviter ? { inviter } : {}) }, ...posted];
}

/** A person leaves a channel: `channel_leave`, then `member_left_channel`. */
export function leaveChannel(ws: Workspace, channel: ChannelRecord, user: string): SlackActivity[] {
  if (!channel.members.has(user)) throw apiError("not_in_channel");
  // Slack posts the system message while the person is still a member, then removes them.
  const posted = ws.post(channel, { subtype: "channel_leave", user, team: ws.identity.teamId, text: `<@${user}> has left the channel` });
  channel.members.delete(user);
  return [...posted, { type: "member_left", channel: channel.id, user }];
}

/** Someone renames a channel: `channel_name`, with `old_name` and `name`. */
export function renameChannel(ws: Workspace, channel: ChannelRecord, name: string, by: string): SlackActivity[] {
  const clean = name.replace(/^#/, "");
  if (!/^[a-z0-9][a-z0-9._-]{0,79}$/.test(clean)) throw apiError("invalid_name_specials");
  if ([...ws.channels.values()].some((c) => c !== channel && c.kind !== "im" && c.name === clean)) throw apiError("name_taken");
  const oldName = channel.name;
  channel.previousNames = [...(channel.previousNames ?? []), oldName];
  channel.name = clean;
  return ws.post(channel, {
    subtype: "channel_name",
    user: by,
    team: ws.identity.teamId,
    old_name: oldName,
    name: clean,
    text: `<@${by}> renamed the channel from "${oldName}" to "${clean}"`,
  });
}

/** Someone sets the channel's description: `channel_purpose`. */
export function setPurpose(ws: Workspace, channel: ChannelRecord, purpose: string, by: string): SlackActivity[] {
  channel.purpose = { value: purpose, creator: by, last_set: nowSec() };
  return ws.post(channel, {
    subtype: "channel_purpose",
    user: by,
    purpose,
    text: purpose ? `<@${by}> set the channel description: ${purpose}` : `<@${by}> cleared the channel description`,
  });
}

/** Someone archives a channel: `channel_archive`; nothing can be posted in it afterwards. */
export function archiveChannel(ws: Workspace, channel: ChannelRecord, by: string): SlackActivity[] {
  if (channel.archived) throw apiError("already_archived");
  const posted = ws.post(channel, { subtype: "channel_archive", user: by, team: ws.identity.teamId, text: `<@${by}> archived the channel` });
  channel.archived = true;
  return posted;
}
