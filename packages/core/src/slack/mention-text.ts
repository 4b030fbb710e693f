/** The text of a mention with the leading `<@U...>` (and any `<@U...|name>`) removed. */
export function stripMention(text: string): string {
  return text.replace(/^\s*<@[A-Z0-9]+(\|[^>]*)?>[\s:,]*/i, "").trim();
}

// The router (for the keyword) and the mention trigger (for its text and args) both need an
// event's stripped text: it is worked out once per event object.
const stripped = new WeakMap<object, string>();

/** An `app_mention` event's text without the leading mention, worked out once per event. */
export function mentionText(event: { text?: unknown }): string {
  let text = stripped.get(event);
  if (text === undefined) stripped.set(event, (text = stripMention(typeof event.text === "string" ? event.text : "")));
  return text;
}

/** The first word after the leading mention, lowercased: what `bot.mention("keyword")` matches. */
export function mentionKeyword(event: { text?: unknown }): string | undefined {
  const word = mentionText(event).split(/\s+/, 1)[0];
  return word ? word.toLowerCase() : undefined;
}
