/**
 * Where the conformance checks read the providers' descriptions other than literally, each with
 * its reason: the code uses these entries, and the fidelity report lists them. Corrections to what
 * a description says belong in specs/errata.json instead; these are about how a description is
 * read (its dialect, its annotations, its formats).
 */
import type { ConformanceProvider } from "./registry.js";
import type { SpecName } from "./specs.js";

export interface ValidatorSetting {
  providers: readonly ConformanceProvider[];
  /** What the checks do. */
  rule: string;
  why: string;
  /** The provider's documentation the reading comes from, when it is the provider's behaviour. */
  source?: string;
}

/**
 * Keys of the description documents themselves. Each description is added to the validator as one
 * schema so that its `$ref`s and JSON pointers resolve; its document structure (`paths`, `info`...)
 * then sits where a schema's keywords would, and is declared as annotation so that the validator's
 * strict mode accepts it. No schema is ever validated at those places.
 */
export const DOCUMENT_KEYWORDS = [
  "swagger",
  "openapi",
  "asyncapi",
  "info",
  "host",
  "basePath",
  "schemes",
  "servers",
  "security",
  "securityDefinitions",
  "tags",
  "paths",
  "components",
  "topics",
  "baseTopic",
  "webhooks",
] as const;

/**
 * Ajv's strict mode: unknown keywords and formats, and ignored or contradictory keywords, are
 * errors (strictSchema), as are NaN and Infinity (strictNumbers). Its other three rules are about how a
 * schema is written, not what it accepts, and the providers' descriptions break them everywhere:
 * a `minLength` without `type: "string"` (strictTypes; it applies to strings anyway), union types
 * (strictTypes), `items: [...]` without `minItems` (strictTuples), `required` names missing from
 * `properties` (strictRequired; they are still required).
 */
export const AJV_STRICTNESS = { strict: true, strictTypes: false, strictTuples: false, strictRequired: false } as const;

/** OpenAPI Schema Object fields that describe a value without constraining it. */
export const SCHEMA_ANNOTATIONS = ["example", "discriminator", "xml", "externalDocs"] as const;

/**
 * Formats the descriptions use that JSON Schema does not define, validated as the providers
 * document them (a format nobody validates, and nobody lists here, fails the check loudly).
 */
export const PROVIDER_FORMATS: Record<string, { type: "string" | "number"; validate: (value: never) => boolean; rule: string }> = {
  url: {
    type: "string",
    validate: (value: string) => isAbsoluteUrl(value),
    rule: "`url` (Slack, PagerDuty): an absolute URL with a host, loopback hosts included (ajv-formats' own `url` pattern rejects 127.0.0.1 and `localhost`, where the emulators necessarily live)",
  },
  tzinfo: {
    type: "string",
    validate: (value: string) => isTimeZone(value),
    rule: "`tzinfo` (PagerDuty): an IANA time zone name the platform's time zone database knows",
  },
  "partial-time": {
    type: "string",
    validate: (value: string) => /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?$/.test(value),
    rule: "`partial-time` (PagerDuty): RFC 3339 partial-time, `HH:MM:SS[.fraction]`",
  },
  "repo.nwo": {
    type: "string",
    validate: (value: string) => /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(value),
    rule: "`repo.nwo` (GitHub): a repository's `owner/name`",
  },
  timestamp: {
    type: "number",
    validate: (value: number) => Number.isInteger(value) && value >= 0,
    rule: "`timestamp` (GitHub, on integers): Unix seconds",
  },
};

/** Formats left unchecked, each with its reason. */
export const UNCHECKED_FORMATS: Record<string, { specs: readonly SpecName[]; why: string }> = {
  "activesupport-time-zone": {
    specs: ["pagerduty-rest"],
    why: "Rails' ActiveSupport time zone names (`Eastern Time (US & Canada)`), of which PagerDuty publishes no list to check against",
  },
  binary: { specs: ["pagerduty-rest", "github-rest"], why: "OpenAPI's hint for raw file content: any string" },
  password: { specs: [], why: "OpenAPI's hint to mask a value in user interfaces: any string" },
};

export const VALIDATOR_SETTINGS = {
  strict: {
    providers: ["slack", "github", "pagerduty"],
    rule: `Schemas are compiled by Ajv in strict mode: an unknown keyword or format is an error, not silently ignored (Ajv's strictTypes, strictTuples and strictRequired, rules about how a schema is written rather than what it accepts, are off: the descriptions break them everywhere without changing what they allow). Declared as annotations: the descriptions' document structure (${DOCUMENT_KEYWORDS.map((k) => `\`${k}\``).join(", ")}), the OpenAPI Schema Object annotations ${SCHEMA_ANNOTATIONS.map((k) => `\`${k}\``).join(", ")} and specification extensions (\`x-*\`); OpenAPI's \`nullable\` and draft-04 boolean \`exclusiveMinimum\`/\`exclusiveMaximum\` are rewritten to their JSON Schema equivalents.`,
    why: "Each description is added to the validator as one document so that its references resolve; these keys are its structure and the OpenAPI dialect's annotations, which constrain nothing.",
  },
  slackJsonArguments: {
    providers: ["slack"],
    rule: "A call with a JSON body may give an argument the description calls JSON (its description reads `A JSON-based array ...` or `JSON object ...`: `blocks`, `attachments`, `metadata`) as that JSON array or object itself, and must then send its token in the Authorization header; every other argument must be a string, number or boolean, and in a form body a JSON argument must be a string holding JSON of that kind.",
    why: "Slack's description types every argument as a form string; since 2017 the write methods also take JSON bodies, where such arguments are plain JSON values and the token goes in `Authorization: Bearer`.",
    source: "https://docs.slack.dev/changelog/2017-10-keeping-up-with-the-jsons",
  },
} satisfies Record<string, ValidatorSetting>;

function isAbsoluteUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.host !== "" && /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  } catch {
    return false;
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
