import { describe, expect, it } from "vitest";
import { SecretScrubber } from "./secret-scrubber.js";

const line = (value: unknown) => JSON.stringify(value);

describe("SecretScrubber", () => {
  it("finds a secret base64-encoded at any offset, as in Basic auth, and in base64url", () => {
    const scrubber = new SecretScrubber();
    scrubber.add("s3cr3t-pa55");
    for (const user of ["a", "ab", "abc", "bot"]) {
      const basic = Buffer.from(`${user}:s3cr3t-pa55`).toString("base64");
      const out = scrubber.scrub(line({ headers: { "x-forwarded": `Basic ${basic}` } }));
      expect(out, user).toContain("[REDACTED]");
      // What is left of the encoding no longer decodes to the secret.
      expect(Buffer.from(out.split("Basic ")[1]!.split('"')[0]!.replace("[REDACTED]", ""), "base64").toString(), user).not.toContain("pa55");
    }
    const url = Buffer.from("s3cr3t-pa55??>>").toString("base64url");
    expect(scrubber.scrub(`token=${url}`)).not.toContain(url.slice(0, 12));
    expect(scrubber.scrub(Buffer.from("s3cr3t-pa55").toString("base64"))).toBe("[REDACTED]");
  });

  it("redacts credential headers by name, whatever they hold, keeping the auth scheme", () => {
    const scrubber = new SecretScrubber();
    const out = scrubber.scrub(
      line({
        err: {
          config: { headers: { Authorization: "Bearer xoxe-fetched-at-run-time", Cookie: "session=abc123; theme=dark" } },
          response: { headers: { "set-cookie": ["session=abc123; HttpOnly", "csrf=zz9"] } },
          request: { _header: "POST /api HTTP/1.1\r\nproxy-authorization: Basic Ym90OnB3\r\nhost: x\r\n\r\n" },
          body: JSON.stringify({ authorization: "Token quoted-inside-a-string" }),
        },
      }),
    );
    for (const leaked of ["xoxe-fetched-at-run-time", "abc123", "zz9", "Ym90OnB3", "quoted-inside-a-string"]) expect(out).not.toContain(leaked);
    const parsed = JSON.parse(out) as { err: { config: { headers: Record<string, string> }; request: { _header: string }; body: string } };
    expect(parsed.err.config.headers).toEqual({ Authorization: "Bearer [REDACTED]", Cookie: "[REDACTED]" });
    expect(parsed.err.request._header).toBe("POST /api HTTP/1.1\r\nproxy-authorization: Basic [REDACTED]\r\nhost: x\r\n\r\n");
    expect(JSON.parse(parsed.err.body)).toEqual({ authorization: "Token [REDACTED]" });
  });

  it("refuses values too short to scrub, and says so", () => {
    const scrubber = new SecretScrubber();
    expect(scrubber.add("12345")).toBe(false);
    expect(scrubber.add("123456")).toBe(true);
    expect(scrubber.scrub("port 12345, pin 123456")).toBe("port 12345, pin [REDACTED]");
  });
});
