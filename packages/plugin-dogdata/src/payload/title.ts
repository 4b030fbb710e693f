import { normalizeScope } from "./scope.js";
import { parseTransition, type Transition } from "./transition.js";

/** What an alert title says, in any of Datadog's formats. */
export interface AlertTitle {
  transition: Transition | undefined;
  /** Normalized scope from `[Triggered on {...}]`; `undefined` when the title names none. */
  scope: string | undefined;
  /** The monitor's name: the title without its bracketed prefixes. */
  name: string;
  priority: string | undefined;
  /** Datadog's test notifications (`[TEST]`): they never recover. */
  isTest: boolean;
}

const TRANSITION_WORDS = "Warn Recovered|Re-Triggered|Retriggered|Re-No Data|Re-Warn|No Data|Triggered|Recovered|Renotify|Warn";
// `[Triggered on {host:web-1,env:prod}]`, `[Recovered]`: webhook and e-mail titles, and the legacy Slack integration.
const BRACKETED = new RegExp(String.raw`^\[(${TRANSITION_WORDS})(?:\s+on\s+(\{[^}]*\}))?\]\s*`, "i");
// `Triggered: CPU high`: the current Datadog Slack app.
const COLON = new RegExp(String.raw`^(${TRANSITION_WORDS}):\s*`, "i");
const PRIORITY = /^\[(P[1-5])\]\s*/i;
const TEST = /^\[TEST\]\s*/i;

/**
 * Reads `[P2] [Triggered on {host:web-1}] CPU high`, `[TEST] [Triggered] CPU high`,
 * `Triggered: CPU high` and `[Recovered] CPU high`. Text that is none of these is all name.
 */
export function parseAlertTitle(title: string): AlertTitle {
  let rest = title.trim();
  let transition: Transition | undefined;
  let scope: string | undefined;
  let priority: string | undefined;
  let isTest = false;
  for (let progressed = true; progressed && rest; ) {
    progressed = false;
    const p = PRIORITY.exec(rest);
    if (p) {
      priority = p[1]!.toUpperCase();
      rest = rest.slice(p[0].length);
      progressed = true;
      continue;
    }
    const t = TEST.exec(rest);
    if (t) {
      isTest = true;
      rest = rest.slice(t[0].length);
      progressed = true;
      continue;
    }
    if (transition === undefined) {
      const b = BRACKETED.exec(rest) ?? COLON.exec(rest);
      if (b) {
        transition = parseTransition(b[1]);
        if (b[2] !== undefined) scope = normalizeScope(b[2]);
        rest = rest.slice(b[0].length);
        progressed = true;
      }
    }
  }
  return { transition, scope, name: rest.trim(), priority, isTest };
}
