// users.* and usergroups.*: people and the groups they are in.
import { apiError } from "../errors.js";
import { type Method, required } from "./web-api-call.js";
import { usergroupOrThrow } from "./channel-access.js";
import { decodeCursor, encodeCursor, pageLimit } from "./history-paging.js";

export const PEOPLE_METHODS: Record<string, Method> = {
  "users.info": {
    token: "bot",
    handle: (args, ctx) => {
      const user = ctx.ws.users.get(args.str("user") ?? "");
      if (!user) throw apiError("user_not_found");
      return { user: ctx.ws.apiUser(user) };
    },
  },

  "users.lookupByEmail": {
    token: "bot",
    handle: (args, ctx) => {
      const email = (args.str("email") ?? "").toLowerCase();
      const user = [...ctx.ws.users.values()].find((u) => u.email?.toLowerCase() === email && !u.deleted);
      if (!email || !user) throw apiError("users_not_found");
      return { user: ctx.ws.apiUser(user) };
    },
  },

  "users.list": {
    token: "bot",
    handle: (args, ctx) => {
      const users = [...ctx.ws.users.values()];
      const limit = pageLimit(args, 1000);
      const from = decodeCursor(args.str("cursor"), "users");
      const start = from === undefined ? 0 : Math.max(0, users.findIndex((u) => u.id === from));
      const next = users[start + limit];
      return {
        members: users.slice(start, start + limit).map((u) => ctx.ws.apiUser(u)),
        cache_ts: Math.floor(Date.now() / 1000),
        response_metadata: { next_cursor: next ? encodeCursor("users", next.id) : "" },
      };
    },
  },

  "usergroups.list": {
    token: "bot",
    handle: (args, ctx) => {
      const includeDisabled = args.bool("include_disabled");
      const includeUsers = args.bool("include_users");
      const includeCount = args.bool("include_count");
      return {
        usergroups: [...ctx.ws.usergroups.values()]
          .filter((g) => includeDisabled || g.dateDelete === 0)
          .map((g) => ctx.ws.apiUsergroup(g, { includeUsers, includeCount })),
      };
    },
  },

  "usergroups.users.list": {
    token: "bot",
    handle: (args, ctx) => {
      const group = usergroupOrThrow(ctx, args.str("usergroup"));
      // A disabled group is invisible unless asked for, like in usergroups.list.
      if (group.dateDelete !== 0 && !args.bool("include_disabled")) throw apiError("no_such_subteam");
      return { users: [...group.users] };
    },
  },

  "usergroups.users.update": {
    token: "bot",
    handle: (args, ctx) => {
      const group = usergroupOrThrow(ctx, args.str("usergroup"));
      const users = (args.str("users") ?? "").split(",").map((u) => u.trim()).filter(Boolean);
      // A group can never be emptied through the API; disable it instead.
      if (users.length === 0) throw apiError("no_users_provided");
      const unknown = users.filter((u) => !ctx.ws.users.get(u) || ctx.ws.users.get(u)!.deleted);
      if (unknown.length) throw apiError("invalid_users");
      if (users.some((u) => ctx.ws.users.get(u)!.isBot || ctx.ws.users.get(u)!.isRestricted)) throw apiError("invalid_user");
      ctx.publish(ctx.ws.setUsergroupUsers(group, users, ctx.ws.identity.botUserId));
      return { usergroup: ctx.ws.apiUsergroup(group, { includeUsers: true, includeCount: args.bool("include_count") }) };
    },
  },

  "usergroups.enable": {
    token: "bot",
    handle: (args, ctx) => {
      const group = usergroupOrThrow(ctx, args.str("usergroup"));
      ctx.publish(ctx.ws.setUsergroupEnabled(group, true, ctx.ws.identity.botUserId));
      return { usergroup: ctx.ws.apiUsergroup(group, { includeUsers: true, includeCount: args.bool("include_count") }) };
    },
  },

  "usergroups.disable": {
    token: "bot",
    handle: (args, ctx) => {
      const group = usergroupOrThrow(ctx, args.str("usergroup"));
      ctx.publish(ctx.ws.setUsergroupEnabled(group, false, ctx.ws.identity.botUserId));
      return { usergroup: ctx.ws.apiUsergroup(group, { includeUsers: true, includeCount: args.bool("include_count") }) };
    },
  },

  "usergroups.create": {
    token: "bot",
    handle: (args, ctx) => {
      const name = required(args, "name");
      const handle = args.str("handle") || name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-");
      const group = ctx.ws.addUsergroup({ name, handle, description: args.str("description") ?? "" });
      const channels = (args.str("channels") ?? "").split(",").map((c) => c.trim()).filter(Boolean);
      group.channels = channels;
      return { usergroup: ctx.ws.apiUsergroup(group, { includeUsers: true, includeCount: args.bool("include_count") }) };
    },
  },
};
