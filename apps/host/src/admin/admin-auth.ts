import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ErrorCodes } from "@botyard/core";

export interface Refusal {
  status: 401 | 403;
  code: string;
  message: string;
}

/**
 * Who may use the admin endpoint: a request with `Authorization: Bearer <admin.token>`, sent by a
 * program rather than a web page. Missing or wrong token: 401 (the same answer for both, so the
 * endpoint says nothing about what it expects). A request with an `Origin` header comes from a
 * browser: 403 whatever its token, so that a page open on the operator's machine cannot drive a
 * loopback endpoint (the CLI and curl send no Origin).
 */
export function checkAdminRequest(headers: IncomingHttpHeaders, token: string): Refusal | undefined {
  if (headers.origin !== undefined) {
    return { status: 403, code: ErrorCodes.ADMIN_FORBIDDEN, message: "Admin requests from web pages are refused; use botyard deadletters / botyard reload, or curl." };
  }
  const header = headers.authorization ?? "";
  const given = /^Bearer (\S+)$/i.exec(header)?.[1];
  // Compared as digests of equal length, in constant time: the comparison says nothing of the token.
  if (given === undefined || !timingSafeEqual(digest(given), digest(token))) {
    return {
      status: 401,
      code: ErrorCodes.ADMIN_UNAUTHORIZED,
      message: "Missing or wrong admin token: send Authorization: Bearer <the value of admin.token> (botyard reads it from BOTYARD_ADMIN_TOKEN, or the variable admin.token names).",
    };
  }
  return undefined;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
