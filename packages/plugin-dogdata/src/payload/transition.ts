/** Datadog's `$ALERT_TRANSITION` values, spelled as Datadog spells them. */
export const TRANSITIONS = [
  "Triggered",
  "Re-Triggered",
  "Recovered",
  "Warn Recovered",
  "Warn",
  "Re-Warn",
  "No Data",
  "Re-No Data",
  "Renotify",
] as const;

export type Transition = (typeof TRANSITIONS)[number];

/**
 * What a transition means for the alert message:
 * - `recovery` closes it (reply, add the check);
 * - `opening` is how an alert message starts (Datadog posts it; the bot replies only when it is news for an existing message);
 * - `repeat` happens to an open alert (reply; remove the check if one was there).
 */
export type TransitionKind = "recovery" | "opening" | "repeat";

const BY_LETTERS = new Map<string, Transition>(TRANSITIONS.map((t) => [letters(t), t]));

/** `re-triggered`, `Retriggered`, `NO DATA`... to Datadog's spelling; `undefined` when it is none of them. */
export function parseTransition(text: string | undefined): Transition | undefined {
  return text === undefined ? undefined : BY_LETTERS.get(letters(text));
}

export function transitionKind(transition: Transition): TransitionKind {
  switch (transition) {
    case "Recovered":
    case "Warn Recovered":
      return "recovery";
    case "Triggered":
    case "Warn":
    case "No Data":
      return "opening";
    default:
      return "repeat";
  }
}

function letters(text: string): string {
  return text.toLowerCase().replace(/[^a-z]/g, "");
}
