// A Web API call as the handlers see it: the emulator around them, the arguments, the token kind.
import { apiError } from "../errors.js";
import { type SlackActivity, type Workspace } from "../state.js";

/** What the Web API handlers need from the emulator around them. */
export interface WebApiContext {
  ws: Workspace;
  botToken: string;
  appToken: string;
  teamUrl: string;
  /** Record activities: notify listeners and deliver the matching events over Socket Mode. */
  publish(activities: SlackActivity[]): void;
  /** A fresh single-use Socket Mode URL. */
  socketUrl(): string;
}

export type TokenKind = "bot" | "app";
export type Handler = (args: Args, ctx: WebApiContext) => Record<string, unknown>;

export interface Method {
  token: TokenKind;
  handle: Handler;
}

/** Method arguments from a form, a query string or a JSON body, read the way Slack coerces them. */
export class Args {
  constructor(readonly raw: Record<string, unknown>) {}

  str(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value.length ? String(value[value.length - 1]) : undefined;
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  bool(name: string): boolean {
    const value = this.str(name);
    return value === "true" || value === "1";
  }

  int(name: string, fallback: number): number {
    const value = this.str(name);
    if (value === undefined || value === "") return fallback;
    const n = Number(value);
    if (!Number.isInteger(n)) throw apiError("invalid_arguments", missingField(`${name} must be an integer`, name));
    return n;
  }

  /** A JSON argument: the WebClient sends it as a JSON string in a form, a JSON body sends it inline. */
  json(name: string, error: string): unknown {
    const value = this.raw[name];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      throw apiError(error);
    }
  }

  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }
}

export function missingField(message: string, field: string): Record<string, unknown> {
  return { response_metadata: { messages: [`[ERROR] ${message} [json-pointer:/${field}]`] } };
}

export function required(args: Args, name: string): string {
  const value = args.str(name);
  if (!value) throw apiError("invalid_arguments", missingField(`missing required field: ${name}`, name));
  return value;
}
