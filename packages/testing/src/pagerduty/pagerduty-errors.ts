// PagerDuty's error bodies (message, code, errors) and the answers that carry them.
import type { EmulatorResponse } from "../emulator/http-emulator.js";

/** PagerDuty's generic error body (`components.responses.*` in the OpenAPI description). */
export interface PagerDutyErrorBody {
  error: { message: string; code: number; errors?: string[] };
}

export function pagerDutyError(message: string, code: number, errors?: string[]): PagerDutyErrorBody {
  return { error: errors ? { message, code, errors } : { message, code } };
}

export const ERRORS = {
  unauthorized: () => pagerDutyError("Authentication failed", 2006),
  forbidden: () => pagerDutyError("Access Denied", 2010),
  notFound: () => pagerDutyError("Not Found", 2100),
  rateLimited: () => pagerDutyError("Rate Limit Exceeded", 2020),
  internal: () => pagerDutyError("Internal Error", 2000),
  invalid: (detail: string) => pagerDutyError("Invalid Input Provided", 2001, [detail]),
  tooDeep: () =>
    pagerDutyError("Arguments Caused Error", 2001, [
      "Offset+limit exceeds maximum allowed value of 10000. Please try to refine your search to reduce the returned set of records below this number, like adding a date range.",
    ]),
};

export class ArgumentError extends Error {
  constructor(readonly body: PagerDutyErrorBody) {
    super(body.error.errors?.[0] ?? body.error.message);
  }
}

export function defaultErrorBody(status: number): PagerDutyErrorBody {
  switch (status) {
    case 401:
      return ERRORS.unauthorized();
    case 403:
      return ERRORS.forbidden();
    case 429:
      return ERRORS.rateLimited();
    default:
      return ERRORS.internal();
  }
}

export function ok(body: unknown): EmulatorResponse {
  return { status: 200, body };
}

export function notFound(): EmulatorResponse {
  return { status: 404, body: ERRORS.notFound() };
}
