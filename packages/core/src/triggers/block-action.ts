import type { BaseContext } from "../context/context.js";
import type { BlockAction, BlockActionPayload } from "../slack/slack-types.js";
import { isBlockActionPayload } from "./slack-event-shapes.js";
import type { TriggerSlackNeeds } from "../slack-needs/slack-needs.js";
import type { ActiveTrigger, Trigger, TriggerRuntime } from "./trigger.js";

export type BlockActionContext = BaseContext<BlockActionPayload> & {
  /** The action (button) that was used. */
  action: BlockAction;
};

/** `bot.blockAction("approve", handler)`: a block button or menu, answered through `ctx.respond`. */
export class BlockActionTrigger implements Trigger {
  readonly kind = "slack.block_action";
  readonly name: string;

  constructor(
    private readonly actionId: string | RegExp,
    private readonly handler: (ctx: BlockActionContext) => unknown,
    name?: string,
  ) {
    this.name = name ?? `block_action:${String(actionId)}`;
  }

  describe(): string {
    return `block action ${String(this.actionId)}`;
  }

  slackNeeds(): TriggerSlackNeeds {
    // Block actions arrive over Socket Mode once interactivity is on; they need no scope.
    return { interactivity: true };
  }

  activate(rt: TriggerRuntime): ActiveTrigger {
    const off = rt.slack.onBlockAction(this.actionId, (payload) => {
      if (!isBlockActionPayload(payload)) return undefined;
      const hits = payload.actions.filter((action) => (typeof this.actionId === "string" ? action.action_id === this.actionId : this.actionId.test(action.action_id)));
      if (hits.length === 0) return undefined;
      const threadTs = payload.message?.thread_ts;
      const extras = {
        ...(payload.channel?.id ? { channel: payload.channel.id } : {}),
        ...(threadTs ? { threadTs } : {}),
        actor: { slackUserId: payload.user.id, ...(payload.user.username ? { slackUserName: payload.user.username } : {}) },
        ...(payload.response_url ? { responseUrl: payload.response_url } : {}),
      };
      return () => {
        for (const action of hits) void rt.run(payload, (ctx) => this.handler(Object.assign(ctx, { action })), extras);
      };
    });
    return { stop: off };
  }
}
