import { type ConformanceChecker, type Exchange, safely, violation } from "./exchange.js";
import { noteValidated } from "./registry.js";
import { checkAgainstSample } from "./slack-samples.js";
import { describeErrors, type LoadedSpec, loadSpec, pointerOf } from "./specs.js";

interface SwaggerParameter {
  name: string;
  in: "header" | "query" | "formData" | "body" | "path";
  type?: "string" | "boolean" | "integer" | "number" | "array";
  required?: boolean;
  enum?: unknown[];
  description?: string;
}

interface SwaggerOperation {
  consumes?: string[];
  parameters?: SwaggerParameter[];
  responses: Record<string, { schema?: unknown }>;
}

const RATE_LIMITS_DOC = "https://docs.slack.dev/apis/web-api/rate-limits";

/**
 * Checks the Slack emulator's Web API traffic against Slack's OpenAPI 2.0 description (errata
 * applied): each call's arguments against the method's parameters (names, types, required), and
 * each answer against the method's success (`ok: true`) or error (`ok: false`) schema.
 */
export class SlackWebApiConformance implements ConformanceChecker {
  private spec: LoadedSpec | undefined;

  constructor(
    /** Whether the emulator implements a method (unknown ones answer `unknown_method`). */
    private readonly isImplemented: (method: string) => boolean,
  ) {}

  prepare(): void {
    this.spec ??= loadSpec("slack-web-api");
  }

  crashed(operation: string, error: Error): void {
    violation("slack", operation, "coverage", `the Slack emulator failed to answer (${error.message}): it does not emulate this call`);
  }

  check(exchange: Exchange): void {
    const { operation } = exchange;
    if (operation === "response_url") return; // No description covers response_url posts.
    safely("slack", operation, () => this.checkWebApi(exchange));
  }

  private checkWebApi(exchange: Exchange): void {
    const { operation: method } = exchange;
    if (!/^[A-Za-z0-9_.]+$/.test(method) || !exchange.request.path.startsWith("/api/")) {
      violation("slack", method, "coverage", `${exchange.request.method} ${exchange.request.path} is not a Slack endpoint the emulator serves`);
      return;
    }
    if (!this.isImplemented(method)) {
      violation("slack", method, "coverage", `the Slack emulator does not implement ${method}: a test (or the code it runs) called a method the emulator cannot answer faithfully`);
      return;
    }
    this.prepare();
    const spec = this.spec!;
    const path = spec.doc.paths as Record<string, Record<string, SwaggerOperation>>;
    const item = path[`/${method}`];
    if (!item) {
      violation("slack", method, "coverage", `${method} is not in Slack's Web API description (add an erratum with its documentation page)`);
      return;
    }
    const verb = Object.keys(item).find((k) => ["get", "post"].includes(k))!;
    const op = item[verb]!;
    this.checkRequest(method, op, exchange);
    this.checkResponse(method, op, verb, exchange);
  }

  private checkRequest(method: string, op: SwaggerOperation, exchange: Exchange): void {
    const { request } = exchange;
    const errors: string[] = [];
    const contentType = String(request.headers["content-type"] ?? "");
    const isJson = contentType.includes("application/json");
    if (isJson && !(op.consumes ?? []).includes("application/json")) {
      errors.push(`a JSON body, but ${method} takes only ${(op.consumes ?? ["application/x-www-form-urlencoded"]).join(", ")} arguments`);
    }
    const body = request.body && typeof request.body === "object" && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
    if (request.body !== undefined && (typeof request.body !== "object" || Array.isArray(request.body))) errors.push("the body is not an object of arguments");
    const args: Record<string, unknown> = { ...request.query, ...body };
    const params = new Map((op.parameters ?? []).map((p) => [p.name, p]));
    const bearer = /^Bearer\s+\S+/i.test(String(request.headers.authorization ?? ""));

    for (const [name, value] of Object.entries(args)) {
      const param = params.get(name);
      if (!param) {
        errors.push(`argument "${name}" is not a parameter of ${method}`);
        continue;
      }
      if (Array.isArray(value) && !isJson) {
        errors.push(`argument "${name}" is given ${value.length} times`);
        continue;
      }
      const problem = typeProblem(param, value, isJson);
      if (problem) errors.push(`argument "${name}" ${problem}`);
    }
    for (const param of params.values()) {
      if (!param.required) continue;
      if (param.name === "token") {
        if (!bearer && args.token === undefined) errors.push("no token (neither an Authorization: Bearer header nor a token argument)");
        // JSON bodies carry the token in the header only (VALIDATOR_SETTINGS.slackJsonArguments).
        else if (!bearer && isJson) errors.push("a JSON body, but no Authorization: Bearer header (Slack takes the token of a JSON call only from the header)");
        continue;
      }
      if (args[param.name] === undefined) errors.push(`required argument "${param.name}" is missing`);
    }
    if (errors.length) violation("slack", method, "request", `the call to ${method} does not match the method's arguments`, errors);
    else noteValidated("slack", method, { request: true });
  }

  private checkResponse(method: string, op: SwaggerOperation, verb: string, exchange: Exchange): void {
    const { status, body, headers } = exchange;
    if (status === 0 || status >= 500) return; // Outages: no description covers them.
    if (status !== 200 && status !== 429) {
      violation("slack", method, "response", `Slack's Web API answers HTTP 200 (errors as {ok:false}) or 429 when rate limited, not ${status}`, [], status);
      return;
    }
    const answer = body as { ok?: unknown; error?: unknown } | undefined;
    if (!answer || typeof answer !== "object") {
      violation("slack", method, "response", "the answer is not a JSON object", [], status);
      return;
    }
    if (status === 429) {
      const problems: string[] = [];
      if (answer.ok !== false || answer.error !== "ratelimited") problems.push(`a 429 carries {"ok":false,"error":"ratelimited"}, not ${JSON.stringify(body)}`);
      if (!/^\d+$/.test(headers["retry-after"] ?? "")) problems.push("a 429 carries a Retry-After header with the seconds to wait");
      if (problems.length) {
        violation("slack", method, "response", `rate-limited answers must look like Slack's (${RATE_LIMITS_DOC})`, problems, status);
        return;
      }
    }
    const kind = answer.ok === true ? "200" : "default";
    const pointer = `${pointerOf("paths", `/${method}`, verb, "responses", kind)}/schema`;
    const validate = this.spec!.validator(pointer);
    if (!validate(body)) {
      violation(
        "slack",
        method,
        "response",
        `the ${answer.ok === true ? "success" : `error (${String(answer.error)})`} answer does not match Slack's ${kind === "200" ? "success" : "error"} schema for ${method}`,
        describeErrors(validate.errors),
        status,
      );
      return;
    }
    // Beyond the (old, incomplete) description: what Slack really sends, key by key.
    const diff = answer.ok === true ? checkAgainstSample(sampleShape(method, exchange), method, "response", body) : undefined;
    if (diff && (diff.missing.size || diff.typeDiffers.size)) return;
    noteValidated("slack", method, { response: status === 429 ? "429 ratelimited" : answer.ok === true ? "ok" : "ok:false" });
  }
}

/** The sample shape of a method's answer: `conversations.open` answers a bare `{id}` unless asked for `return_im`. */
function sampleShape(method: string, exchange: Exchange): string {
  if (method !== "conversations.open") return method;
  const body = exchange.request.body && typeof exchange.request.body === "object" ? (exchange.request.body as Record<string, unknown>) : {};
  const returnIm = String({ ...exchange.request.query, ...body }.return_im ?? "");
  return returnIm === "true" || returnIm === "1" ? method : `${method} without return_im`;
}

/**
 * The JSON an argument carries when the description says so (`A JSON-based array of structured
 * blocks, presented as a URL-encoded string`, `JSON object with event_type and event_payload...`).
 */
function jsonKind(param: SwaggerParameter): "array" | "object" | undefined {
  const description = param.description ?? "";
  if (/^A JSON-based array\b/i.test(description)) return "array";
  if (/^JSON object\b/i.test(description)) return "object";
  return undefined;
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
}

/** Whether a form (or JSON) value fits a Swagger parameter's type; a description of the problem when not. */
function typeProblem(param: SwaggerParameter, value: unknown, isJson: boolean): string | undefined {
  const type = param.type ?? "string";
  if (value === null) return "is null";
  const json = jsonKind(param);
  const isPlain = typeof value === "string" || typeof value === "number" || typeof value === "boolean";
  if (!isPlain) {
    // A JSON body gives a JSON argument as the value itself (VALIDATOR_SETTINGS.slackJsonArguments); nothing else may be structured.
    if (!isJson || !json) return `must be a ${type}, got ${JSON.stringify(value).slice(0, 60)}`;
    return kindOf(value) === json ? undefined : `must be a JSON ${json}, got a JSON ${kindOf(value)}`;
  }
  const text = typeof value === "string" ? value : String(value);
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return `must be a JSON-encoded ${json}, got "${text.slice(0, 60)}"`;
    }
    return kindOf(parsed) === json ? undefined : `must be a JSON-encoded ${json}, got JSON ${kindOf(parsed)}`;
  }
  switch (type) {
    case "boolean":
      if (typeof value === "boolean" || ["true", "false", "1", "0"].includes(text)) break;
      return `must be a boolean (true/false/1/0), got "${text}"`;
    case "integer":
      if (/^-?\d+$/.test(text)) break;
      return `must be an integer, got "${text}"`;
    case "number":
      if (/^-?\d+(\.\d+)?$/.test(text)) break;
      return `must be a number, got "${text}"`;
    default:
      break;
  }
  if (param.enum && !param.enum.includes(text)) return `must be one of ${param.enum.join(", ")}, got "${text}"`;
  return undefined;
}
