import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import AjvModule, { type ErrorObject, type ValidateFunction } from "ajv";
import formatsModule from "ajv-formats";
import { applyPatch, escapePointerToken, getPointer, type PatchOperation } from "./json-patch.js";
import { AJV_STRICTNESS, DOCUMENT_KEYWORDS, PROVIDER_FORMATS, SCHEMA_ANNOTATIONS, UNCHECKED_FORMATS } from "./validator-settings.js";

const Ajv = AjvModule.default;
const addFormats = formatsModule.default;

/** The providers' API descriptions the emulators are checked against. */
export type SpecName = "slack-web-api" | "slack-events-api" | "slack-event-wrapper" | "pagerduty-rest" | "github-rest";

export interface SpecInfo {
  name: SpecName;
  title: string;
  /** Where the description comes from (a repository file or an npm package). */
  origin: string;
  /** A file in packages/testing/specs, or a file of an npm package. */
  file: string;
  npm?: string;
}

export const SPECS: Record<SpecName, SpecInfo> = {
  "slack-web-api": {
    name: "slack-web-api",
    title: "Slack Web API (OpenAPI 2.0)",
    origin: "https://github.com/slackapi/slack-api-specs/blob/master/web-api/slack_web_openapi_v2_without_examples.json",
    file: "slack-web-api.openapi-v2.json",
  },
  "slack-events-api": {
    name: "slack-events-api",
    title: "Slack Events API (AsyncAPI 1.2)",
    origin: "https://github.com/slackapi/slack-api-specs/tree/master/events-api",
    file: "slack-events-api.asyncapi-v1.json",
  },
  "slack-event-wrapper": {
    name: "slack-event-wrapper",
    title: "Slack Events API event wrapper (JSON Schema)",
    origin: "https://github.com/slackapi/slack-api-specs/tree/master/events-api",
    file: "slack-event-wrapper.schema.json",
  },
  "pagerduty-rest": {
    name: "pagerduty-rest",
    title: "PagerDuty REST API v2 (OpenAPI 3.0)",
    origin: "https://github.com/PagerDuty/api-schema/blob/main/reference/REST/openapiv3.json",
    file: "pagerduty-rest.openapi-v3.json",
  },
  "github-rest": {
    name: "github-rest",
    title: "GitHub REST API, api.github.com (OpenAPI 3.0)",
    origin: "https://www.npmjs.com/package/@octokit/openapi (GitHub's official description, github/rest-api-description)",
    file: "generated/api.github.com.json",
    npm: "@octokit/openapi",
  },
};

/** packages/testing/specs, from src/conformance or dist/conformance alike. */
export const SPECS_DIR = fileURLToPath(new URL("../../specs/", import.meta.url));
export const ERRATA_FILE = `${SPECS_DIR}errata.json`;

export interface Erratum {
  id: string;
  spec: SpecName;
  /** The provider's current API documentation page the correction comes from. */
  source: string;
  /**
   * Further pages of the provider's own documentation, where the source page does not show the
   * detail itself (Slack's SDK response types, which Slack generates from its recorded answers).
   */
  evidence?: string[];
  /** What the description gets wrong, and what the provider actually does. */
  why: string;
  patch: PatchOperation[];
}

export interface ErrataFile {
  description?: string;
  errata: Erratum[];
}

const require = createRequire(import.meta.url);

/** Where a description's file is; throws a clear error when an optional package is missing. */
export function specPath(name: SpecName): string {
  const info = SPECS[name];
  if (!info.npm) return `${SPECS_DIR}${info.file}`;
  try {
    return require.resolve(`${info.npm}/${info.file}`);
  } catch {
    throw new Error(
      `Conformance checks of the GitHub emulator need GitHub's OpenAPI description, the ${info.npm} package, which is not installed. ` +
        `Install it beside @botyard/testing (npm install --save-dev ${info.npm}), or turn conformance mode off (BOTYARD_CONFORMANCE=0).`,
    );
  }
}

/** The version of the npm package a description comes from (for the fidelity report). */
export function specVersion(name: SpecName): string | undefined {
  const info = SPECS[name];
  if (!info.npm) return undefined;
  try {
    return (JSON.parse(readFileSync(require.resolve(`${info.npm}/package.json`), "utf8")) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export function readErrata(): ErrataFile {
  return JSON.parse(readFileSync(ERRATA_FILE, "utf8")) as ErrataFile;
}

/** A description as published, unpatched. */
export function readRawSpec(name: SpecName): Record<string, unknown> {
  return JSON.parse(readFileSync(specPath(name), "utf8")) as Record<string, unknown>;
}

/** Apply the errata for one description (throws naming the erratum that does not apply cleanly). */
export function applyErrata(name: SpecName, doc: Record<string, unknown>, errata: readonly Erratum[] = readErrata().errata): void {
  for (const erratum of errata) {
    if (erratum.spec !== name) continue;
    try {
      applyPatch(doc, erratum.patch);
    } catch (error) {
      throw new Error(`Erratum "${erratum.id}" does not apply to ${name}: ${(error as Error).message}`);
    }
  }
}

/** Objects whose keys are names (of properties, definitions, headers, paths, status codes...), never keywords. */
const NAME_MAPS = new Set([
  "properties",
  "patternProperties",
  "definitions",
  "$defs",
  "schemas",
  "headers",
  "parameters",
  "responses",
  "requestBodies",
  "securitySchemes",
  "securityDefinitions",
  "callbacks",
  "links",
  "paths",
  "webhooks",
  "content",
  "topics",
]);

/**
 * Turn OpenAPI 3.0 schema dialect into JSON Schema Ajv understands, in place: `nullable: true`
 * becomes a `null` type (or an `anyOf` with `null` beside `$ref`/`allOf`), draft-04 boolean
 * `exclusiveMinimum`/`exclusiveMaximum` become numbers. Examples and specification extensions
 * (`x-*` keys, outside maps of names) are data, not schemas, and are left alone. Returns the
 * `format` names used; the extension keys found are added to `extensions`.
 */
export function normalizeOpenApiSchemas(node: unknown, formats = new Set<string>(), extensions = new Set<string>(), keysAreNames = false): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) normalizeOpenApiSchemas(item, formats, extensions);
    return formats;
  }
  if (!node || typeof node !== "object") return formats;
  const o = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    if (!keysAreNames && key.startsWith("x-")) extensions.add(key);
    else if (keysAreNames || (key !== "example" && key !== "examples")) normalizeOpenApiSchemas(value, formats, extensions, !keysAreNames && NAME_MAPS.has(key));
  }
  if (keysAreNames) return formats;
  if (typeof o.format === "string") formats.add(o.format);
  if (typeof o.exclusiveMinimum === "boolean") {
    if (o.exclusiveMinimum && typeof o.minimum === "number") {
      o.exclusiveMinimum = o.minimum;
      delete o.minimum;
    } else delete o.exclusiveMinimum;
  }
  if (typeof o.exclusiveMaximum === "boolean") {
    if (o.exclusiveMaximum && typeof o.maximum === "number") {
      o.exclusiveMaximum = o.maximum;
      delete o.maximum;
    } else delete o.exclusiveMaximum;
  }
  if (o.nullable === true) {
    delete o.nullable;
    if (typeof o.type === "string") {
      o.type = [o.type, "null"];
      if (Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...o.enum, null];
    } else if (o.type === undefined) {
      const copy = { ...o };
      for (const key of Object.keys(o)) delete o[key];
      o.anyOf = [copy, { type: "null" }];
    }
  } else if (o.nullable === false) {
    delete o.nullable;
  }
  return formats;
}

export interface LoadedSpec {
  name: SpecName;
  doc: Record<string, unknown>;
  /** The `format`s its schemas use. */
  formats: ReadonlySet<string>;
  /** Compiled validator for the schema at a JSON pointer into the (patched) description; cached. */
  validator(pointer: string): ValidateFunction;
  /** The value at a JSON pointer, following a `$ref` at that spot (and at the result) within the description. */
  resolve<T = Record<string, unknown>>(pointerOrRef: string): T | undefined;
}

interface CacheHolder {
  specs: Map<SpecName, LoadedSpec>;
}

// Per process (and shared by module copies, like the registry): the descriptions are large.
const CACHE_KEY = Symbol.for("botyard:conformance:specs");

function cache(): CacheHolder {
  const holder = globalThis as unknown as Record<symbol, CacheHolder | undefined>;
  return (holder[CACHE_KEY] ??= { specs: new Map() });
}

/**
 * An Ajv instance for one description, in strict mode with what validator-settings.ts declares:
 * the description is normalized in place (OpenAPI dialect to JSON Schema) and every format it uses
 * must be one the checks validate or list as unchecked.
 */
export function createValidator(name: string, doc: Record<string, unknown>): { ajv: InstanceType<typeof Ajv>; formats: Set<string> } {
  const extensions = new Set<string>();
  const formats = normalizeOpenApiSchemas(doc, new Set(), extensions);
  // Strict: a keyword or format the validator does not know is an error, never silently ignored
  // (see validator-settings.ts for what is declared, and why).
  const ajv = new Ajv({ ...AJV_STRICTNESS, allErrors: true, validateFormats: true, logger: false });
  addFormats(ajv);
  for (const [format, { type, validate }] of Object.entries(PROVIDER_FORMATS)) ajv.addFormat(format, { type, validate: validate as (value: unknown) => boolean } as never);
  for (const format of Object.keys(UNCHECKED_FORMATS)) if (!ajv.formats[format]) ajv.addFormat(format, true);
  const unknown = [...formats].filter((format) => !ajv.formats[format]);
  if (unknown.length) {
    throw new Error(`The ${name} description uses format(s) ${unknown.join(", ")} that the conformance checks neither validate nor list as unchecked (packages/testing/src/conformance/validator-settings.ts).`);
  }
  for (const keyword of [...DOCUMENT_KEYWORDS, ...SCHEMA_ANNOTATIONS, ...extensions]) {
    if (!ajv.getKeyword(keyword)) ajv.addKeyword({ keyword });
  }
  return { ajv, formats };
}

/**
 * A description with its errata applied, ready to validate against. Loaded once per process, on
 * first use; validators are compiled on first use and cached per JSON pointer.
 */
export function loadSpec(name: SpecName): LoadedSpec {
  const cached = cache().specs.get(name);
  if (cached) return cached;
  const doc = readRawSpec(name);
  applyErrata(name, doc);
  const { ajv, formats } = createValidator(name, doc);
  // Drop `$schema`/`$id` at the root: the descriptions are documents, not schemas.
  const { $schema: _schema, $id: _id, ...body } = doc;
  ajv.addSchema(body, name);
  const validators = new Map<string, ValidateFunction>();
  const loaded: LoadedSpec = {
    name,
    doc,
    formats,
    validator(pointer) {
      let v = validators.get(pointer);
      if (!v) {
        v = ajv.compile({ $ref: `${name}#${encodeFragment(pointer)}` });
        validators.set(pointer, v);
      }
      return v;
    },
    resolve<T>(pointerOrRef: string): T | undefined {
      let pointer = pointerOrRef.startsWith("#") ? pointerOrRef.slice(1) : pointerOrRef;
      for (let hops = 0; hops < 10; hops++) {
        const value = getPointer(doc, pointer) as Record<string, unknown> | undefined;
        if (value && typeof value === "object" && typeof value.$ref === "string" && value.$ref.startsWith("#")) {
          pointer = value.$ref.slice(1);
          continue;
        }
        return value as T | undefined;
      }
      return undefined;
    },
  };
  cache().specs.set(name, loaded);
  return loaded;
}

/** The JSON pointer (in the patched description) a `$ref`-or-inline object was reached at, following `$ref`s. */
export function derefPointer(spec: LoadedSpec, pointer: string): string {
  for (let hops = 0; hops < 10; hops++) {
    const value = getPointer(spec.doc, pointer) as Record<string, unknown> | undefined;
    if (value && typeof value === "object" && typeof value.$ref === "string" && value.$ref.startsWith("#")) {
      pointer = value.$ref.slice(1);
      continue;
    }
    return pointer;
  }
  return pointer;
}

export function pointerOf(...tokens: string[]): string {
  return tokens.map((t) => `/${escapePointerToken(t)}`).join("");
}

function encodeFragment(pointer: string): string {
  return pointer
    .split("/")
    .map((part) => encodeURIComponent(part).replace(/%7B/g, "{").replace(/%7D/g, "}").replace(/%24/g, "$"))
    .join("/");
}

/** Ajv's errors as one line each: `/messages/0/ts must match pattern "..."`. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined, limit = 20): string[] {
  if (!errors) return [];
  const lines = new Set<string>();
  for (const e of errors) {
    const where = e.instancePath || "(root)";
    let detail = e.message ?? e.keyword;
    const params = e.params as Record<string, unknown>;
    if (e.keyword === "additionalProperties") detail = `has property "${String(params.additionalProperty)}" the description does not allow`;
    else if (e.keyword === "enum") detail = `must be one of the description's values (${(params.allowedValues as unknown[]).slice(0, 12).map((v) => JSON.stringify(v)).join(", ")}${(params.allowedValues as unknown[]).length > 12 ? ", ..." : ""})`;
    else if (e.keyword === "type") detail = `must be ${String(params.type)}`;
    lines.add(`${where} ${detail}`);
    if (lines.size >= limit) break;
  }
  return [...lines];
}
