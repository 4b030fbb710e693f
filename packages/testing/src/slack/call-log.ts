// The emulator's calls as a test reads them (JSON arguments parsed), and the account of recent
// calls and envelopes a timed-out wait gives.
import type { RecordedCall } from "../emulator/http-emulator.js";
import type { SlackApiCall } from "./slack-emulator-options.js";
import type { SocketModeEnvelope } from "./socket-mode.js";
import { stripUndefined } from "./state.js";
import { WEB_API_METHODS } from "./web-api.js";

const JSON_ARGS = new Set(["blocks", "attachments", "metadata", "unfurl"]);

export function toSlackCall(call: RecordedCall): SlackApiCall {
  const raw = { ...call.query, ...(typeof call.body === "object" && call.body !== null ? (call.body as Record<string, unknown>) : {}) };
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (JSON_ARGS.has(key) && typeof value === "string") {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // leave malformed JSON as sent
      }
    }
    args[key] = value;
  }
  const response = call.response as { ok?: boolean; error?: string } | undefined;
  return stripUndefined({ ...call, args, ok: response?.ok, error: response?.error });
}

function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A short account of recent calls and envelopes, for timeout messages. */
export function describeRecent(calls: RecordedCall[], envelopes: SocketModeEnvelope[], openConnections: number): string {
  const recent = calls.slice(-10).map(toSlackCall);
  const callLines = recent.map((c) => {
    const outcome = c.status !== 200 ? `HTTP ${c.status}` : c.ok === false ? `error ${c.error}` : "ok";
    const args = Object.entries(c.args)
      .filter(([k]) => k !== "token")
      .map(([k, v]) => `${k}=${truncate(typeof v === "string" ? v : JSON.stringify(v))}`)
      .join(" ");
    return `  ${c.operation} -> ${outcome}${args ? `  (${args})` : ""}`;
  });
  const envelopeLines = envelopes.slice(-5).map((e) => {
    const payload = e.payload as { event?: { type?: string }; command?: string; type?: string };
    const what = payload.event?.type ?? payload.command ?? payload.type ?? "";
    return `  ${e.type} ${what} retry=${e.retryAttempt} ${e.state}`;
  });
  return [
    `Recent Web API calls (${calls.length} in all, newest last):`,
    ...(callLines.length ? callLines : ["  none"]),
    `Recent Socket Mode envelopes (${openConnections} connection(s) open):`,
    ...(envelopeLines.length ? envelopeLines : ["  none"]),
    ...(recent.some((c) => c.error === "unknown_method") ? [`Methods the emulator implements: ${WEB_API_METHODS.join(", ")}`] : []),
  ].join("\n");
}
