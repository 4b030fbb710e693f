import { describe, expect, it } from "vitest";
import { passwordsInUrls, urlCredentials } from "./url-credentials.js";

describe("urlCredentials", () => {
  it("shows the URL without its password and takes every spelling of it out of a text", () => {
    const url = urlCredentials("redis://app:p%40ss-word@cache:6379/2");
    expect(url.display).toBe("redis://app:***@cache:6379/2");
    expect(url.redact("AUTH app p@ss-word failed; url had p%40ss-word")).toBe("AUTH app *** failed; url had ***");
  });

  it("reads a URL written without a scheme with the default one, and shows none of a URL it cannot read", () => {
    expect(urlCredentials("cache:6379", "redis").display).toBe("redis://cache:6379");
    const broken = urlCredentials("redis://user:hunter2@[bad");
    expect(broken.display).toBe("(unparseable URL)");
    expect(broken.redact("connect to redis://user:hunter2@[bad")).not.toContain("hunter2");
  });
});

describe("passwordsInUrls", () => {
  it("finds the password of any URL among a store's settings, and nothing in other values", () => {
    expect(passwordsInUrls({ use: "@acme/store-pg", connectionString: "postgres://u:s3cret-pw@db/app", prefix: "by:" })).toEqual(["s3cret-pw"]);
    expect(passwordsInUrls(undefined)).toEqual([]);
  });
});
