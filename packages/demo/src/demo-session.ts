import type { Engine } from "@botyard/core";
import type { SlackEmulator } from "@botyard/testing";
import { DEMO_HELP, parseDemoLine, withMentions } from "./demo-input.js";

/**
 * The person at the demo's keyboard: each typed line becomes what it stands for in the emulated
 * workspace (a message, a thread reply, a slash command) or a demo command (switch channel, fire a
 * schedule, help).
 */
export class DemoSession {
  private readonly last = new Map<string, { ts: string; thread_ts?: string }>();
  private readonly detach: () => void;
  private names = new Map<string, string>();

  constructor(
    private readonly slack: SlackEmulator,
    private readonly engine: Pick<Engine, "fire">,
    private readonly narrate: (text: string) => void,
    private readonly user: string,
    private channel: string,
  ) {
    this.detach = slack.onActivity((a) => {
      if (a.type === "message") this.last.set(a.channel, { ts: a.message.ts, ...(a.message.thread_ts ? { thread_ts: a.message.thread_ts } : {}) });
    });
  }

  get channelName(): string {
    return `#${this.slack.channel(this.channel)?.name ?? this.channel}`;
  }

  /** Acts on one typed line; problems are narrated, never thrown. */
  async handle(line: string): Promise<void> {
    const input = parseDemoLine(line);
    if (!input) return;
    try {
      switch (input.kind) {
        case "channel": {
          const found = this.slack.channel(input.name);
          if (found) this.channel = found.id;
          this.narrate(found ? `now in ${input.name}` : `no channel ${input.name}`);
          return;
        }
        case "message":
          await this.slack.sendMessage({ channel: this.channel, user: this.user, text: await this.mentions(input.text) });
          return;
        case "reply": {
          const parent = this.last.get(this.channel);
          if (!parent) {
            this.narrate(`no message in ${this.channelName} to reply to yet`);
            return;
          }
          await this.slack.sendMessage({ channel: this.channel, user: this.user, text: await this.mentions(input.text), thread_ts: parent.thread_ts ?? parent.ts });
          return;
        }
        case "command":
          await this.slack.slashCommand({ command: input.command, text: input.text, user: this.user, channel: this.channel });
          return;
        case "fire":
          this.narrate(`firing ${input.bot}${input.trigger ? ` ${input.trigger}` : "'s schedule"}`);
          await this.engine.fire(input.bot, input.trigger);
          return;
        case "help":
          for (const l of DEMO_HELP) this.narrate(l);
          return;
        case "usage":
          this.narrate(input.text);
          return;
      }
    } catch (error) {
      this.narrate((error as Error).message);
    }
  }

  close(): void {
    this.detach();
  }

  /** `@name` as Slack's client sends it; the names are read again when one is not known yet. */
  private async mentions(text: string): Promise<string> {
    if (!/@\w/.test(text)) return text;
    const lookup = (name: string) => this.names.get(name);
    if ([...text.matchAll(/(?:^|[\s(])@([\w.-]*\w)/g)].some(([, n]) => !lookup(n!.toLowerCase()))) this.names = await this.userNames();
    return withMentions(text, lookup);
  }

  private async userNames(): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    const bot = this.slack.user(this.slack.botUserId);
    // The app answers to its user's name and, whatever that is, to the product's.
    names.set("botyard", this.slack.botUserId);
    if (bot?.name) names.set(bot.name.toLowerCase(), this.slack.botUserId);
    const response = await fetch(`${this.slack.apiUrl}users.list`, { method: "POST", headers: { authorization: `Bearer ${this.slack.botToken}` }, body: new URLSearchParams({ limit: "1000" }) });
    const body = (await response.json()) as { members?: Array<{ id: string; name?: string }> };
    for (const member of body.members ?? []) if (member.name) names.set(member.name.toLowerCase(), member.id);
    return names;
  }
}
