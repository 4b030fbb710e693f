import { type JsonType, pathMatcher, type ShapeRules } from "./sample-shapes.js";

/** One rule: a key path pattern, the shape it applies to (all shapes when absent), and why. */
export interface SampleRule {
  path: string;
  /** The shapes it applies to (default: all), and those it does not. */
  shape?: string;
  notIn?: string;
  why: string;
}

/**
 * Keys of Slack's recorded samples that Slack sends only in some circumstances, one line each with
 * the reason. The samples merge every circumstance Slack's SDK team recorded into one payload, so
 * these keys are not expected in every answer; every other key of a sample is. A pattern is a key
 * path: `**.` for any prefix, `*` for any part of one key, `{a,b}` for alternatives, `[]` for an
 * array element.
 */
export const OPTIONAL_KEYS: readonly SampleRule[] = [
  { path: "{error,needed,provided,arg,callstack,errors}", why: "only in `ok:false` answers (the samples merge error answers in)" },
  { path: "{warning,deprecated_argument,response_metadata}", why: "only when Slack warns about the call (e.g. `missing_charset`) or, for paged methods, has a next page to point to" },
  { path: "**.{enterprise_id,enterprise_name,enterprise_domain,enterprise_user,enterprise,is_org_level,internal_team_ids,is_global_shared,is_org_default,is_org_mandatory,is_moved,discoverable,teams}", why: "Enterprise Grid: the organisation, org-wide channels and groups, workspaces of the org" },
  { path: "**.{connected_team_ids,connected_limited_team_ids,conversation_host_id,user_team,source_team,user_profile,is_stranger}", why: "Slack Connect and shared channels: the other workspaces, and authors from another workspace" },
  { path: "authed_teams", why: "deprecated in the event wrapper (replaced by `authorizations`) and no longer sent to new apps" },
  { path: "**.{files,upload,x_files,display_as_bot}", notIn: "event message.file_share", why: "files: only on messages that share a file (`file_share`)" },
  { path: "**.files[].{thumb_*,mp4*,vtt,hls*,duration_ms,transcription,*canvas*,template_*,list_*,quip_thread_id,is_channel_space,linked_channel_id,converted_pdf,deanimate*,pjpeg,image_exif_rotation,original_*,preview*,plain_text,has_more,lines*,headers,simplified_html,media_progress,saved,access,last_read,update_notification,team_pref_version_history_enabled,show_badge,can_toggle_canvas_lock,is_restricted_sharing_enabled,subject,non_owner_editable,editor,last_editor,edit_timestamp,alt_txt,subtype,external_id,external_url,url_static_preview,app_id,app_name,edit_link,sent_to_self,channel_actions_*,initial_comment,num_stars,is_starred,comments_count,bot_id,org_or_workspace_access,private_*,shares,has_more_shares,updated,source_team,user_team}", why: "files: keys of other kinds of file than a plain upload (images, videos, canvases, lists, email, external files), or of files edited, commented, starred or shared further" },
  { path: "**.{room,huddle_state,huddle_state_expiration_ts}", why: "huddles: only on huddle messages and for people in or after a huddle" },
  { path: "**.assistant_app_thread", why: "AI assistant threads only" },
  { path: "**.is_starred", why: "stars are per person: only for user tokens" },
  { path: "**.{bot_id,bot_profile,app_id}", why: "only on messages posted by apps" },
  { path: "**.icons.*", why: "an `icon_emoji` identity has the emoji and its `image_64`, an `icon_url` or app one the image in sizes" },
  { path: "messages[].{user,team}", shape: "{conversations.history,conversations.replies}", why: "absent on a classic integration's `bot_message`" },
  { path: "**.{username,icons}", why: "only on messages an app posted with a custom `username`, `icon_emoji` or `icon_url` (and on classic `bot_message`s)" },
  { path: "**.client_msg_id", why: "only on messages people typed in a Slack client, not on those posted through the API" },
  { path: "**.subtype", why: "only on messages that are not plain ones" },
  { path: "**.{thread_ts,parent_user_id}", why: "only on thread replies, and on thread parents once they have replies" },
  { path: "**.{messages[],message,previous_message,root,event}.{reply_count,reply_users_count,latest_reply,reply_users,is_locked,subscribed,last_read,unread_count}", why: "thread summary: only on thread parents with replies (`last_read`, `unread_count` for the calling user's subscribed threads)" },
  { path: "**.{messages[],message,previous_message}.root", why: "only on thread replies broadcast to the channel (`thread_broadcast`)" },
  { path: "**.edited", why: "only on edited messages" },
  { path: "**.reactions", why: "only on messages with reactions" },
  { path: "**.attachments", why: "only on messages with (legacy) attachments" },
  { path: "**.attachments[].*", why: "an attachment holds the fields its poster (or Slack's unfurler) gave; Slack echoes them and adds `id`" },
  { path: "**.blocks", why: "only on messages with blocks (what people type carries `rich_text`; an app's post only the blocks it sent)" },
  { path: "**.metadata", why: "only on messages posted with `metadata` (and in history only with `include_all_metadata`)" },
  { path: "**.{topic,purpose,name,old_name,inviter}", shape: "{conversations.history,conversations.replies}", why: "only on the channel messages that carry them (`channel_topic`, `channel_purpose`, `channel_name`, `channel_join` by invitation)" },
  { path: "**.root.{mrkdwn,no_notifications}", why: "flags the root's poster set (an app's `mrkdwn: false`, a post with notifications off)" },
  { path: "**.inviter", why: "only when someone else added the person to the channel" },
  { path: "event.item_user", shape: "event reaction_*", why: "absent when the reacted message has no user (a classic integration's `bot_message`)" },
  { path: "**.hidden", why: "only on hidden messages (tombstones, `message_changed`/`message_deleted` events)" },
  { path: "{oldest,latest}", shape: "conversations.history", why: "echoes of the `oldest` and `latest` arguments, only when the call gave them" },
  { path: "channel.locale", why: "only when called with `include_locale`" },
  { path: "channel.num_members", shape: "conversations.info", why: "only when called with `include_num_members`" },
  { path: "{usergroups[],usergroup}.{users,user_count}", why: "`users` only with `include_users` (and in answers that change members), `user_count` only with `include_count`" },
  { path: "**.properties", why: "only for channels with tabs, canvases or a Slack Connect invitation" },
  { path: "**.priority", why: "the calling user's sidebar ranking: only for conversations Slack has ranked" },
  { path: "channels[].{user,is_user_deleted}", why: "only on the DM entries of the list" },
  { path: "channel.*", shape: "conversations.open without return_im", why: "without `return_im`, Slack answers the DM's `id` only" },
  { path: "container.{attachment_id,view_id,text,is_app_unfurl,app_unfurl_url}", shape: "interactive block_actions", why: "keys of the other containers (a modal, an attachment, an app unfurl); a click in a message has `message_ts`, `channel_id`, `is_ephemeral`" },
  { path: "message.{channel,is_intro,wibblr,pinned_to,bot_link,file,comment,topic,purpose,unfurl_links,unfurl_media,is_thread_broadcast,item_type,item,no_notifications}", shape: "interactive block_actions", why: "keys of other kinds of message (pins, files, comments, intros, link unfurl settings) that the Java model's message merges in" },
  { path: "{view,app_unfurl,function_data,interactivity,bot_access_token}", shape: "interactive block_actions", why: "only for clicks in a modal or App Home (`view`), an app unfurl, or a workflow function's message" },
  { path: "actions[].{style,placeholder,confirm,url,initial_*,selected_*,min_query_length,rich_text_value}", shape: "interactive block_actions", why: "keys of other element types (selects, pickers, rich text input) and of options the clicked element did not set" },
  { path: "{no_op,already_open}", why: "only when the conversation was already open" },
  { path: "channel.latest", why: "only when the conversation has messages" },
  { path: "team.icon.image_original", why: "only for a workspace with a custom icon" },
  { path: "team.{sso_provider,pay_prod_cur}", why: "only for workspaces with SSO, and with a paid plan" },
  { path: "{app_id,app_name,expires_in}", shape: "auth.test", why: "`expires_in` only for rotating tokens; `app_id`/`app_name` are not in the bot-token answer Slack documents" },
  { path: "offset", shape: "users.list", why: "legacy offset paging only" },
  { path: "**.profile.{api_app_id,always_active,bot_id}", why: "only on the bot users of apps and integrations" },
  { path: "**.{is_workflow_bot,is_connector_bot}", why: "only on bot users of workflows and connectors" },
  { path: "**.profile.{image_original,is_custom_image,image_1024,status_emoji_url,pronouns,guest_invited_by,start_date,email}", why: "only for people who uploaded a photo, set a custom status emoji, pronouns or a start date, guests, and people with an email (with `users:read.email`)" },
  { path: "**.{locale,has_2fa,two_factor_type,is_invited_user}", shape: "users.*", why: "`locale` only with `include_locale`; 2FA only for admins' tokens; `is_invited_user` only for invitations not accepted yet" },
];

/** Keys whose value Slack sends with another JSON type than the sample shows, with that type. */
export const OTHER_TYPES: readonly (SampleRule & { type: JsonType })[] = [
  { path: "{context_enterprise_id,authorizations[].enterprise_id,enterprise}", type: "null", why: "`null` outside Enterprise Grid" },
  { path: "**.deleted_by", type: "null", why: "a user group never disabled has no one who disabled it" },
  { path: "channel_actions_ts", type: "null", why: "`null` when the channel has no channel actions" },
  { path: "**.profile.fields", type: "null", why: "`null` in `users.list` when the workspace has no custom profile fields" },
  { path: "*", shape: "slash_commands", type: "string", why: "a slash command's payload is its form fields, every value a string (`\"is_enterprise_install\": \"false\"`); the Java SDK's sample is its typed model" },
];

function compile(rules: readonly SampleRule[]): ((shape: string, path: string) => boolean)[] {
  return rules.map((rule) => {
    const path = pathMatcher(rule.path);
    const shape = pathMatcher(rule.shape ?? "**.*");
    const except = rule.notIn ? pathMatcher(rule.notIn) : () => false;
    return (s, p) => shape(s) && !except(s) && path(p);
  });
}

const optional = compile(OPTIONAL_KEYS);
const otherTypes = OTHER_TYPES.map((rule) => ({ type: rule.type, matches: compile([rule])[0]! }));

const optionalSeen = new Map<string, boolean>();

/** The rules for one shape. Answers are remembered: every payload of a shape asks about the same paths. */
export function sampleRules(shape: string): ShapeRules {
  return {
    optional: (path) => {
      const key = `${shape}\u0000${path}`;
      let answer = optionalSeen.get(key);
      if (answer === undefined) {
        answer = optional.some((m) => m(shape, path));
        optionalSeen.set(key, answer);
      }
      return answer;
    },
    allowsType: (path, type) => otherTypes.some((r) => r.type === type && r.matches(shape, path)),
  };
}
