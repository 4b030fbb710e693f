import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, parseWebhookBody } from "./webhook-body.js";

const json = (raw: string) => parseWebhookBody("application/json", raw);

describe("parseWebhookBody", () => {
  it("reads JSON, form fields and text by content type", () => {
    expect(json('{"a":[1,{"b":null}]}')).toEqual({ ok: true, body: { a: [1, { b: null }] } });
    expect(parseWebhookBody("application/x-www-form-urlencoded", "a=1&b=x%20y")).toEqual({ ok: true, body: { a: "1", b: "x y" } });
    expect(parseWebhookBody("text/plain", "hello")).toEqual({ ok: true, body: "hello" });
    expect(json("")).toEqual({ ok: true, body: undefined });
    expect(json("{nope")).toMatchObject({ ok: false, message: expect.stringMatching(/^malformed JSON/) });
  });

  it(`refuses JSON nested more than ${MAX_JSON_DEPTH} levels deep without parsing it, and accepts it at the limit`, () => {
    expect(json(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)).toEqual({ ok: false, message: `JSON nested more than ${MAX_JSON_DEPTH} levels deep` });
    // Unclosed, as an attacker would send it: refused for its depth, not parsed to find it malformed.
    expect(json(`{"a":${"[".repeat(MAX_JSON_DEPTH)}`)).toEqual({ ok: false, message: `JSON nested more than ${MAX_JSON_DEPTH} levels deep` });
    const atLimit = json(`${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`);
    expect(atLimit.ok).toBe(true);
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = `"\\"${"[".repeat(1_000)}"`;
    expect(json(`{"a":${text}}`)).toEqual({ ok: true, body: { a: `"${"[".repeat(1_000)}` } });
  });

  it("refuses a __proto__ key anywhere, however it is spelled, and a constructor holding a prototype", () => {
    const refused = { ok: false, message: 'a "__proto__" key is not allowed in a JSON body' };
    expect(json('{"__proto__":{"admin":true}}')).toEqual(refused);
    expect(json('{"a":[{"b":{"__proto__" :{"admin":true}}}]}')).toEqual(refused);
    expect(json('{"\\u005f_proto_\\u005F":{"admin":true}}')).toEqual(refused);
    expect(json('{"constructor":{"prototype":{"admin":true}}}')).toEqual({ ok: false, message: 'a "constructor" key holding a "prototype" is not allowed in a JSON body' });
    expect(parseWebhookBody("application/x-www-form-urlencoded", "a=1&__proto__=x")).toEqual({ ok: false, message: 'a "__proto__" field is not allowed' });
  });

  it("accepts those words as values, and a constructor that is only a value", () => {
    expect(json('{"text":"\\"__proto__\\": {}","constructor":"Ferrari","c":{"constructor":{"name":"x"}}}')).toEqual({
      ok: true,
      body: { text: '"__proto__": {}', constructor: "Ferrari", c: { constructor: { name: "x" } } },
    });
  });
});
