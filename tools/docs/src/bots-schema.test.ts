import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "./doc-targets.js";
import { schemaErrors } from "./schema-check.js";

// The demo's bots.yaml as an editor sees it: checked against the bots.schema.json it names (which
// docs.test.ts keeps equal to what `botyard schema` generates), by a real JSON Schema validator.
const schema = JSON.parse(readFileSync(join(REPO, "examples/demo/bots.schema.json"), "utf8")) as object;
const demo = readFileSync(join(REPO, "examples/demo/bots.yaml"), "utf8");

describe("examples/demo/bots.schema.json", () => {
  it("is named by the demo's bots.yaml, which it accepts, ${VAR} references included", () => {
    expect(demo.split("\n")[0]).toBe("# yaml-language-server: $schema=./bots.schema.json");
    expect(demo).toContain("apiUrl: ${SLACK_API_URL}");
    expect(demo).toContain("baseUrl: ${GITHUB_API_URL}");
    expect(schemaErrors(schema, demo)).toEqual([]);
  });

  it("still checks what a reference does not stand for: formats, patterns, types, unknown fields", () => {
    const edited = (from: string, to: string) => {
      expect(demo).toContain(from);
      return schemaErrors(schema, demo.replace(from, () => to));
    };
    expect(edited("apiUrl: ${SLACK_API_URL}", "apiUrl: not a url")).toContainEqual('/slack/apiUrl: must match pattern "^https?://"');
    // `$${` is a literal `${`: no variable, so the value must be a URI as written.
    expect(edited("apiUrl: ${SLACK_API_URL}", "apiUrl: $${SLACK_API_URL}")).toContainEqual('/slack/apiUrl: must match pattern "^https?://"');
    expect(edited("baseUrl: ${GITHUB_API_URL}", "baseUrl: ftp://example.com")).toContainEqual('/bots/2/config/github/baseUrl: must match pattern "^https?://"');
    // A reference yields a string, which the host rejects for a number: so does the schema.
    expect(edited("port: 0", "port: ${PORT}")).toContainEqual("/http/port: must be integer");
    expect(edited("channel: C0GENERAL", "channel: C0GENERAL\n      color: blue")).toContainEqual("/bots/0/config: must NOT have additional properties");
    expect(edited("schedules: [PSRE001]", "schedules: [psre-001]")).toContainEqual('/bots/3/config/syncs/0/schedules/0: must match pattern "^[A-Z0-9]+$"');
  });
});
