import type { ConformanceProvider } from "./registry.js";
import { type ConformanceChecker, type Exchange, safely, violation } from "./exchange.js";
import { noteValidated } from "./registry.js";
import { derefPointer, describeErrors, type LoadedSpec, loadSpec, pointerOf, type SpecName } from "./specs.js";

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: { type?: string | string[]; items?: { type?: string } };
}

interface Operation {
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

/** A provider rule beyond the description (documented elsewhere), checked on each answer. */
export type AnswerRule = (exchange: Exchange) => { message: string; errors: string[] } | undefined;

export interface OpenApiConformanceOptions {
  provider: ConformanceProvider;
  spec: SpecName;
  /** Operations the emulator implements (`GET /oncalls`, `POST /repos/{owner}/{repo}/pulls`). */
  operations: () => readonly string[];
  /** Path segments whose parameter spans several segments (`{basehead}`, `{branch}`). */
  multiSegment?: ReadonlySet<string>;
  /** Check the header parameters an operation declares (case-insensitively). Default: true. */
  checkHeaders?: boolean;
  rules?: AnswerRule[];
}

/**
 * Checks an HTTP emulator against an OpenAPI 3.0 description: the operation must be one the
 * emulator implements and the description has; path, query (and optionally header) parameters and
 * the JSON body must match the operation's parameters and request body; the answer's status must
 * be one the operation documents (5xx outages excepted) and its body must match that response's
 * schema.
 */
export class OpenApiConformance implements ConformanceChecker {
  private loaded: LoadedSpec | undefined;
  private readonly templates = new Map<string, RegExp>();

  constructor(private readonly options: OpenApiConformanceOptions) {}

  private get spec(): LoadedSpec {
    return (this.loaded ??= loadSpec(this.options.spec));
  }

  prepare(): void {
    void this.spec;
  }

  crashed(operation: string, error: Error): void {
    violation(this.options.provider, operation, "coverage", `the ${this.options.provider} emulator failed to answer (${error.message}): it does not emulate this call`);
  }

  check(exchange: Exchange): void {
    safely(this.options.provider, exchange.operation, () => this.checkExchange(exchange));
  }

  private checkExchange(exchange: Exchange): void {
    const { provider } = this.options;
    const { operation } = exchange;
    const space = operation.indexOf(" ");
    const verb = operation.slice(0, space).toLowerCase();
    const template = operation.slice(space + 1);
    if (!this.options.operations().includes(operation)) {
      violation(provider, operation, "coverage", `the ${provider} emulator does not implement ${operation}: a test (or the code it runs) called an endpoint the emulator cannot answer faithfully`);
      return;
    }
    const opPointer = pointerOf("paths", template, verb);
    const op = this.spec.resolve<Operation>(opPointer);
    if (!op) {
      violation(provider, operation, "coverage", `${operation} is not in the ${provider} description (add an erratum with its documentation page)`);
      return;
    }
    this.checkRequest(operation, template, opPointer, op, exchange);
    this.checkResponse(operation, opPointer, op, exchange);
  }

  private parameters(opPointer: string, op: Operation): { param: Parameter; pointer: string }[] {
    const out: { param: Parameter; pointer: string }[] = [];
    const collect = (list: unknown[] | undefined, base: string) => {
      (list ?? []).forEach((_, i) => {
        const pointer = derefPointer(this.spec, `${base}/parameters/${i}`);
        const param = this.spec.resolve<Parameter>(pointer);
        if (param && !out.some((p) => p.param.name === param.name && p.param.in === param.in)) out.push({ param, pointer });
      });
    };
    collect(op.parameters, opPointer);
    const itemPointer = opPointer.slice(0, opPointer.lastIndexOf("/"));
    collect(this.spec.resolve<{ parameters?: unknown[] }>(itemPointer)?.parameters, itemPointer);
    return out;
  }

  private checkRequest(operation: string, template: string, opPointer: string, op: Operation, exchange: Exchange): void {
    const { request } = exchange;
    const errors: string[] = [];
    const params = this.parameters(opPointer, op);

    // Path parameters, from the concrete path.
    const values = this.pathValues(template, request.path);
    for (const { param, pointer } of params.filter((p) => p.param.in === "path")) {
      const value = values[param.name];
      if (value === undefined) {
        errors.push(`path parameter {${param.name}} is missing`);
        continue;
      }
      errors.push(...this.checkValue(`path parameter {${param.name}}`, param, pointer, value));
    }

    // Query parameters.
    const query = params.filter((p) => p.param.in === "query");
    for (const [name, raw] of Object.entries(request.query)) {
      const found = query.find((p) => p.param.name === name);
      if (!found) {
        errors.push(`query parameter "${name}" is not a parameter of ${operation}`);
        continue;
      }
      errors.push(...this.checkValue(`query parameter "${name}"`, found.param, found.pointer, raw));
    }
    for (const { param } of query) if (param.required && request.query[param.name] === undefined) errors.push(`required query parameter "${param.name}" is missing`);

    // Header parameters the operation declares (PagerDuty's Accept and Content-Type; GitHub declares none for the operations the emulator implements).
    if (this.options.checkHeaders ?? true) {
      for (const { param, pointer } of params.filter((p) => p.param.in === "header")) {
        const value = request.headers[param.name.toLowerCase()];
        if (value === undefined) {
          if (param.required) errors.push(`required header "${param.name}" is missing`);
          continue;
        }
        errors.push(...this.checkValue(`header "${param.name}"`, param, pointer, Array.isArray(value) ? value.join(", ") : value));
      }
    }

    // The JSON body.
    const hasBody = request.rawBody.length > 0;
    if (op.requestBody) {
      const bodyPointer = derefPointer(this.spec, `${opPointer}/requestBody`);
      const requestBody = this.spec.resolve<{ required?: boolean; content?: Record<string, unknown> }>(bodyPointer)!;
      if (!hasBody) {
        if (requestBody.required) errors.push("the request body is required");
      } else if (requestBody.content?.["application/json"]) {
        const contentType = String(request.headers["content-type"] ?? "");
        if (!contentType.includes("json")) errors.push(`the body is sent as ${contentType || "no content type"}, not application/json`);
        const validate = this.spec.validator(`${bodyPointer}${pointerOf("content", "application/json", "schema")}`);
        if (!validate(request.body)) errors.push(...describeErrors(validate.errors).map((e) => `body ${e}`));
      }
    } else if (hasBody) {
      errors.push(`${operation} takes no request body`);
    }

    if (errors.length) violation(this.options.provider, operation, "request", `the request does not match ${operation}'s parameters`, errors);
    else noteValidated(this.options.provider, operation, { request: true });
  }

  private checkResponse(operation: string, opPointer: string, op: Operation, exchange: Exchange): void {
    const { provider } = this.options;
    const { status } = exchange;
    if (status === 0) return; // A dropped connection.
    for (const rule of this.options.rules ?? []) {
      const broken = rule(exchange);
      if (broken) violation(provider, operation, "response", broken.message, broken.errors, status);
    }
    const key = op.responses[String(status)] !== undefined ? String(status) : op.responses.default !== undefined ? "default" : undefined;
    if (key === undefined) {
      if (status >= 500) return; // Outages: no operation describes them.
      violation(provider, operation, "response", `HTTP ${status} is not an answer the description documents for ${operation} (documented: ${Object.keys(op.responses).join(", ")})`, [], status);
      return;
    }
    const responsePointer = derefPointer(this.spec, `${opPointer}${pointerOf("responses", key)}`);
    const response = this.spec.resolve<{ content?: Record<string, { schema?: unknown }> }>(responsePointer);
    const json = response?.content?.["application/json"] ?? Object.entries(response?.content ?? {}).find(([type]) => type.includes("json"))?.[1];
    const contentKey = response?.content?.["application/json"] ? "application/json" : Object.keys(response?.content ?? {}).find((type) => type.includes("json"));
    if (!json?.schema || !contentKey) {
      if (exchange.body !== undefined) {
        violation(provider, operation, "response", `the description says HTTP ${status} of ${operation} has no JSON body, but the emulator sent one`, [], status);
        return;
      }
      noteValidated(provider, operation, { response: String(status) });
      return;
    }
    const validate = this.spec.validator(`${responsePointer}${pointerOf("content", contentKey, "schema")}`);
    if (!validate(exchange.body)) {
      violation(provider, operation, "response", `the HTTP ${status} answer does not match the description's schema for ${operation}`, describeErrors(validate.errors), status);
      return;
    }
    noteValidated(provider, operation, { response: String(status) });
  }

  private checkValue(what: string, param: Parameter, pointer: string, raw: string | string[]): string[] {
    const schema = param.schema ?? {};
    const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
    let value: unknown;
    if (type === "array") {
      const items = Array.isArray(raw) ? raw : [raw];
      value = items.map((item) => coerce(item, schema.items?.type));
    } else {
      if (Array.isArray(raw)) return [`${what} is given ${raw.length} times but is not an array`];
      value = coerce(raw, type);
    }
    const validate = this.spec.validator(`${pointer}/schema`);
    if (validate(value)) return [];
    return describeErrors(validate.errors).map((e) => `${what} (${JSON.stringify(raw)}): ${e.replace(/^\(root\) /, "")}`);
  }

  private pathValues(template: string, path: string): Record<string, string> {
    let regex = this.templates.get(template);
    if (!regex) {
      const names: string[] = [];
      const source = template
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const m = /^\{([^}]+)\}$/.exec(part);
          if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          names.push(m[1]!);
          return this.options.multiSegment?.has(m[1]!) ? "(?<p" + (names.length - 1) + ">.+)" : "(?<p" + (names.length - 1) + ">[^/]+)";
        })
        .join("");
      regex = new RegExp(`^${source}/?$`);
      (regex as RegExp & { names?: string[] }).names = names;
      this.templates.set(template, regex);
    }
    const names = (regex as RegExp & { names?: string[] }).names ?? [];
    const m = regex.exec(path);
    const out: Record<string, string> = {};
    names.forEach((name, i) => {
      const v = m?.groups?.[`p${i}`];
      if (v !== undefined) out[name] = safeDecode(v);
    });
    return out;
  }
}

function coerce(raw: string, type: string | undefined): unknown {
  switch (type) {
    case "integer":
      return /^-?\d+$/.test(raw) ? Number(raw) : raw;
    case "number":
      return raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : raw;
    default:
      return raw;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
