import type { SlackActivity, SlackEmulator, SlackMessage } from "@botyard/testing";

const colour = (code: number) => (text: string) => (process.stdout.isTTY ? `\u001b[${code}m${text}\u001b[0m` : text);
const dim = colour(2);
const bold = colour(1);
const green = colour(32);

/**
 * Renders the emulator's workspace as a live transcript: who posted what in which channel,
 * threads indented under their parent, reactions, edits and user group changes.
 */
export class Transcript {
  constructor(
    private readonly slack: SlackEmulator,
    private readonly write: (line: string) => void,
  ) {}

  attach(): () => void {
    return this.slack.onActivity((activity) => {
      const line = this.render(activity);
      if (line) this.write(line);
    });
  }

  narrate(text: string): void {
    this.write(dim(`— ${text}`));
  }

  private render(a: SlackActivity): string | undefined {
    switch (a.type) {
      case "message":
        return `${this.where(a.channel)} ${this.threaded(a.message)}${bold(this.who(a.message))}: ${this.text(a.message)}`;
      case "message_changed":
        return `${this.where(a.channel)} ${this.threaded(a.message)}${bold(this.who(a.message))} ${dim("(edited)")}: ${this.text(a.message)}`;
      case "ephemeral":
        return `${this.where(a.channel)} ${dim(`(only ${this.name(a.user)} ${this.name(a.user) === "you" ? "see" : "sees"})`)} ${bold(this.who(a.message))}: ${this.text(a.message)}`;
      case "reaction_added":
        return `${this.where(a.channel)} ${green(`+ :${a.reaction}:`)} ${dim(`by ${this.name(a.user)} on ${this.excerpt(a.channel, a.ts)}`)}`;
      case "reaction_removed":
        return `${this.where(a.channel)} ${dim(`- :${a.reaction}: by ${this.name(a.user)} on ${this.excerpt(a.channel, a.ts)}`)}`;
      case "topic_changed":
        return `${this.where(a.channel)} ${dim(`topic set by ${this.name(a.user)}:`)} ${a.topic}`;
      case "usergroup_updated":
        return `${dim(`@${a.handle} now:`)} ${a.users.map((u) => `@${this.name(u)}`).join(", ") || "(nobody)"}${a.enabled ? "" : dim(" (disabled)")}`;
      default:
        return undefined;
    }
  }

  private where(channel: string): string {
    const name = this.slack.channel(channel)?.name ?? channel;
    return dim(`#${name}`.padEnd(10));
  }

  private threaded(m: SlackMessage): string {
    return m.thread_ts && m.thread_ts !== m.ts ? dim("  └ ") : "";
  }

  private who(m: SlackMessage): string {
    if (m.user) return this.name(m.user as string);
    const profile = (m as { bot_profile?: { name?: string }; username?: string }).bot_profile?.name ?? (m as { username?: string }).username;
    return profile ?? "app";
  }

  private name(user: string): string {
    return this.slack.user(user)?.name ?? user;
  }

  // What a person reading Slack sees: the text with mentions resolved, else an attachment's title.
  private text(m: SlackMessage): string {
    const attachment = (m.attachments as Array<{ title?: string; text?: string }> | undefined)?.[0];
    const raw = m.text || attachment?.title || attachment?.text || "(blocks)";
    return raw
      .replace(/<@([A-Z0-9]+)(\|[^>]*)?>/g, (_all, id: string) => `@${this.name(id)}`)
      .replace(/<!subteam\^[A-Z0-9]+\|?([^>]*)>/g, (_all, handle: string) => `@${handle || "group"}`)
      .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_all, id: string, name?: string) => `#${name || this.slack.channel(id)?.name || id}`)
      .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, "$1")
      .replace(/<(https?:[^|>]+)\|([^>]+)>/g, "$2")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&")
      .replace(/\n/g, "\n           ");
  }

  private excerpt(channel: string, ts: string): string {
    const m = this.slack.message(channel, ts);
    const text = m ? this.text(m) : ts;
    return `"${text.length > 40 ? `${text.slice(0, 39)}…` : text}"`;
  }
}
