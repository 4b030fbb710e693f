/**
 * The channels a bots.yaml names: every string in a bot's `config` that is a Slack channel id
 * (`C0123456789`, `G...` for older private channels) or a `#name`. The demo's emulator starts with
 * no channels, so it creates these for the bots to post in and the person to talk in.
 */
export function channelsNamedIn(bots: ReadonlyArray<{ config?: unknown }>): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      if (/^[CG][A-Z0-9]{6,}$/.test(value) || /^#[a-z0-9][a-z0-9_-]*$/.test(value)) found.add(value);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value && typeof value === "object") {
      Object.values(value).forEach(visit);
    }
  };
  for (const bot of bots) visit(bot.config);
  return [...found];
}
