/** What a line typed into `botyard demo` asks for. */
export type DemoInput =
  | { kind: "message"; text: string }
  | { kind: "reply"; text: string }
  | { kind: "channel"; name: string }
  | { kind: "command"; command: string; text: string }
  | { kind: "fire"; bot: string; trigger?: string }
  | { kind: "help" }
  | { kind: "usage"; text: string };

/** The help `/help` prints: one line per kind of input. */
export const DEMO_HELP = [
  "text            a message from you in the current channel (@botyard mentions the app, @name a person)",
  "^ text          a reply in the thread of the channel's last message (also /thread text)",
  "#name           switch channel",
  "/command args   run a bot's slash command, e.g. /standup",
  "/fire bot [trigger]  run a bot's schedule (or the trigger named, as `botyard list` names it) now",
  "/help           this list; Ctrl-D quits",
];

/**
 * Reads one typed line. `/help`, `/thread` and `/fire` are the demo's own; any other `/word` is a
 * slash command for the bots.
 */
export function parseDemoLine(line: string): DemoInput | undefined {
  const text = line.trim();
  if (!text) return undefined;
  if (/^#[\w-]+$/.test(text)) return { kind: "channel", name: text };
  const reply = /^(?:\^|\/thread(?=\s|$))\s*([\s\S]*)$/.exec(text);
  if (reply) return reply[1] ? { kind: "reply", text: reply[1] } : { kind: "usage", text: "usage: ^ text (or /thread text) replies in the thread of the channel's last message" };
  if (text === "/help") return { kind: "help" };
  // A trigger's name may hold spaces (a schedule's is "schedule:<cron>"): it is the rest of the line.
  const fire = /^\/fire(?=\s|$)\s*(\S+)?\s*(.*)$/.exec(text);
  if (fire) {
    if (!fire[1]) return { kind: "usage", text: "usage: /fire <bot id> [trigger name]" };
    return { kind: "fire", bot: fire[1], ...(fire[2] ? { trigger: fire[2] } : {}) };
  }
  if (text.startsWith("/")) {
    const [command, ...rest] = text.split(/\s+/);
    return { kind: "command", command: command!, text: rest.join(" ") };
  }
  return { kind: "message", text };
}

/**
 * Slack's mention syntax for what a person types: `@name` becomes `<@U...>` when `lookup` knows
 * the name (the app's own name included), as Slack's client does before sending.
 */
export function withMentions(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(/(^|[\s(])@([\w.-]*\w)/g, (all, before: string, name: string) => {
    const id = lookup(name.toLowerCase());
    return id ? `${before}<@${id}>` : all;
  });
}
