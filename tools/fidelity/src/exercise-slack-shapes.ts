import socketMode from "@slack/socket-mode";
import type webApi from "@slack/web-api";
import type { SlackEmulator } from "@botyard/testing";

const { SocketModeClient } = socketMode;
const silent = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => "error" as never, setName() {} };

/**
 * The part of the Slack tour that makes the emulator send every answer and payload shape that has a
 * recorded sample (packages/testing/specs/slack-samples/): people's and apps' messages of each kind,
 * the channel changes that post system messages, and a slash command and a button click over a real
 * Socket Mode connection that acks them.
 */
export async function exerciseSlackShapes(slack: SlackEmulator, bot: InstanceType<typeof webApi.WebClient>): Promise<void> {
  const socket = new SocketModeClient({ appToken: slack.appToken, logger: silent as never, clientPingTimeout: 200, clientOptions: { slackApiUrl: slack.apiUrl } });
  socket.on("slack_event", async ({ ack }: { ack: () => Promise<void> }) => ack());
  await socket.start();
  try {
    const room = slack.createChannel("shapes");
    const carol = slack.addUser({ name: "carol", realName: "Carol Chen" });
    slack.addMember(room.id, carol.id);
    const legacy = slack.addBot({ name: "Jenkins" });

    const parent = await slack.sendMessage({ channel: room.id, user: carol.id, text: "deploy?" });
    await slack.sendMessage({ channel: room.id, user: carol.id, text: "also in the channel", thread_ts: parent.ts, reply_broadcast: true });
    await slack.postAs(legacy, { channel: room.id, subtype: "bot_message", text: "build #12 passed" });
    await bot.conversations.open({ users: carol.id, return_im: true });

    const buttons = await bot.chat.postMessage({
      channel: room.id,
      text: "Approve?",
      blocks: [{ type: "actions", elements: [{ type: "button", action_id: "approve", text: { type: "plain_text", text: "Approve" }, value: "yes" }] }],
    });
    await slack.clickButton({ channel: room.id, user: carol.id, messageTs: buttons.ts!, actionId: "approve" });
    await slack.slashCommand({ channel: room.id, user: carol.id, command: "/deploy", text: "web" });

    // An edited mention is delivered again as app_mention; a custom bot identity carries `icons`.
    const mention = await slack.sendMessage({ channel: room.id, user: carol.id, text: `<@${slack.botUserId}> status` });
    await slack.editMessage({ channel: room.id, ts: mention.ts, text: `<@${slack.botUserId}> status of web` });
    await bot.chat.postMessage({ channel: room.id, text: "beep", icon_emoji: ":robot_face:" });
    await bot.conversations.history({ channel: room.id, limit: 20 });

    // The channel changes people make, and the kinds of message besides text.
    const dave = slack.addUser({ name: "dave" });
    await slack.join({ channel: room.id, user: dave.id, inviter: carol.id });
    await slack.sendMessage({ channel: room.id, user: dave.id, text: "waves", me: true });
    await slack.sendMessage({ channel: room.id, user: dave.id, text: "the numbers", files: [{ name: "report.csv" }] });
    await slack.leave({ channel: room.id, user: dave.id });
    await slack.setPurpose({ channel: room.id, user: carol.id, purpose: "Where shapes are checked" });
    await slack.renameChannel({ channel: room.id, user: carol.id, name: "shapes-archive" });
    await slack.archiveChannel({ channel: room.id, user: carol.id });
  } finally {
    await socket.disconnect();
  }
}
