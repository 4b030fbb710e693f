// Reading history: cursors, the oldest/latest window, page sizes.
import { apiError } from "../errors.js";
import { type SlackMessage, tsToMicros } from "../state.js";
import { Args } from "./web-api-call.js";

export function encodeCursor(prefix: string, value: string): string {
  return Buffer.from(`${prefix}:${value}`).toString("base64");
}

export function decodeCursor(cursor: string | undefined, prefix: string): string | undefined {
  if (!cursor) return undefined;
  const decoded = Buffer.from(cursor, "base64").toString("utf8");
  if (!decoded.startsWith(`${prefix}:`)) throw apiError("invalid_cursor");
  return decoded.slice(prefix.length + 1);
}

/** `oldest`/`latest` window (exclusive unless `inclusive`), as microsecond bounds. */
export function timeWindow(args: Args): (ts: string) => boolean {
  const parse = (name: "oldest" | "latest", error: string) => {
    const raw = args.str(name);
    if (raw === undefined || raw === "") return undefined;
    const micros = tsToMicros(raw);
    if (micros === undefined) throw apiError(error);
    return micros;
  };
  const oldest = parse("oldest", "invalid_ts_oldest");
  const latest = parse("latest", "invalid_ts_latest");
  const inclusive = args.bool("inclusive");
  return (ts) => {
    const t = tsToMicros(ts)!;
    if (oldest !== undefined && (inclusive ? t < oldest : t <= oldest)) return false;
    if (latest !== undefined && (inclusive ? t > latest : t >= latest)) return false;
    return true;
  };
}

export function pageLimit(args: Args, max: number): number {
  const limit = args.int("limit", 100);
  return limit <= 0 ? 100 : Math.min(limit, max);
}

export function historyView(message: SlackMessage, withMetadata: boolean): SlackMessage {
  const copy = structuredClone(message);
  if (!withMetadata) delete copy.metadata;
  return copy;
}
