import { pathMatcher, type ShapeRules } from "./sample-shapes.js";

/**
 * Keys of Slack's recorded samples that Slack sends only in some circumstances, one line each with
 * the reason; a pattern is a key path (`**.` for any prefix, `*` for any one key, `[]` for an array
 * element). The samples merge every circumstance Slack's SDK team recorded into one payload, so
 * these keys are not expected in every answer; every other key of a sample is.
 */
export const OPTIONAL_KEYS: readonly { path: string; why: string }[] = [
];

/** Keys whose value Slack sends as `null` when unset, where the sample shows a placeholder of another type. */
export const NULLABLE_KEYS: readonly { path: string; why: string }[] = [
];

const optional = OPTIONAL_KEYS.map((k) => pathMatcher(k.path));
const nullable = NULLABLE_KEYS.map((k) => pathMatcher(k.path));

export const SAMPLE_RULES: ShapeRules = {
  optional: (path) => optional.some((m) => m(path)),
  nullable: (path) => nullable.some((m) => m(path)),
};
