// auth.test, team.info, bots.info, apps.connections.open: who the app is, and its Socket Mode URL.
import { apiError } from "../errors.js";
import { type Method } from "./web-api-call.js";

export const WORKSPACE_METHODS: Record<string, Method> = {
  "auth.test": {
    token: "bot",
    handle: (_args, { ws, teamUrl }) => ({
      url: teamUrl,
      team: ws.identity.teamName,
      user: ws.identity.botName,
      team_id: ws.identity.teamId,
      user_id: ws.identity.botUserId,
      bot_id: ws.identity.botId,
      is_enterprise_install: false,
    }),
  },

  "team.info": {
    token: "bot",
    handle: (_args, { ws }) => ({
      team: {
        id: ws.identity.teamId,
        name: ws.identity.teamName,
        url: `https://${ws.identity.teamDomain}.slack.com/`,
        domain: ws.identity.teamDomain,
        email_domain: "",
        icon: teamIcon(),
        avatar_base_url: "https://ca.slack-edge.com/",
        is_verified: false,
        lob_sales_home_enabled: false,
        is_sfdc_auto_slack: false,
        locale: "en-US",
      },
    }),
  },

  "bots.info": {
    token: "bot",
    handle: (args, { ws }) => {
      const bot = ws.bots.get(args.str("bot") ?? "");
      if (!bot) throw apiError("bot_not_found");
      const { team_id: _team, ...profile } = ws.botProfile(bot);
      return { bot: { ...profile, user_id: bot.userId } };
    },
  },

  "apps.connections.open": {
    token: "app",
    handle: (_args, ctx) => ({ url: ctx.socketUrl() }),
  },

};

/** Slack's default workspace icon, in every size it serves. */
function teamIcon(): Record<string, unknown> {
  const sizes = [34, 44, 68, 88, 102, 132, 230];
  return { ...Object.fromEntries(sizes.map((n) => [`image_${n}`, `https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-${n}.png`])), image_default: true };
}
