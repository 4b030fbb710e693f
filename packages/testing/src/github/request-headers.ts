// What GitHub reads from a request's headers and puts in its answer's: credentials, ETags, request ids.
import { createHash, randomBytes } from "node:crypto";

export function credentials(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^(token|bearer|basic)\s+(.+)$/i.exec(header.trim());
  if (!m) return header.trim();
  const [, scheme, value] = m;
  if (scheme!.toLowerCase() !== "basic") return value!.trim();
  const decoded = Buffer.from(value!.trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? decoded : decoded.slice(colon + 1);
}

/**
 * GitHub's ETags are weak validators of the representation (body) as this caller sees it: they
 * differ between tokens (its answers `Vary` on `Authorization`).
 */
export function entityTag(body: unknown, credential: string | undefined): string {
  return `W/"${createHash("sha256").update(credential ?? "").update("\0").update(JSON.stringify(body)).digest("hex").slice(0, 40)}"`;
}

/** `If-None-Match` lists one or more tags (or `*`); weak comparison, as RFC 9110 asks for GET. */
export function notModified(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const weak = (tag: string) => tag.trim().replace(/^W\//, "");
  const tags = (Array.isArray(header) ? header.join(",") : header).split(",");
  return tags.some((tag) => tag.trim() === "*" || weak(tag) === weak(etag));
}

export function requestId(): string {
  const hex = (n: number) => randomBytes(n).toString("hex").toUpperCase();
  return `${hex(2)}:${hex(2)}:${hex(3)}:${hex(4)}:${hex(4)}`;
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
