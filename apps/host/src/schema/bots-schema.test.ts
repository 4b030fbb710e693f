import { describe, expect, it } from "vitest";
import { Type, memoryStore } from "@botyard/core";
import { ENV_REFERENCE_PATTERN, botsYamlSchema } from "./bots-schema.js";

// The generated schema is checked with a real validator against the demo and the docs' examples in
// tools/docs; these say what a `${VAR}` reference is to the schema, and where it is accepted.
describe("botsYamlSchema", () => {
  it("recognises a ${VAR} reference as the host's interpolation does, and nothing else", () => {
    const reference = new RegExp(ENV_REFERENCE_PATTERN);
    for (const value of ["${SLACK_API_URL}", "https://${HOST}:8080/api/", "${_x1}"]) expect(value).toMatch(reference);
    for (const value of ["$${SLACK_API_URL}", "${1X}", "${}", "$SLACK_API_URL", "https://slack.com/api/"]) expect(value).not.toMatch(reference);
  });

  it("lets constrained strings hold a reference, keeps the description outside, and leaves numbers and tags exact", () => {
    const schema = botsYamlSchema([]) as { properties: Record<string, any> };
    const apiUrl = schema.properties.slack.properties.apiUrl;
    expect(apiUrl.description).toMatch(/Slack Web API base URL/);
    expect(apiUrl.anyOf).toEqual([{ type: "string", pattern: "^https?://" }, expect.objectContaining({ type: "string", pattern: ENV_REFERENCE_PATTERN })]);
    expect(schema.properties.http.properties.port).toMatchObject({ type: "integer", maximum: 65535 });
    expect(schema.properties.http.properties.port.anyOf).toBeUndefined();
    // Unconstrained strings accept a reference already: no alternatives to clutter the editor.
    expect(schema.properties.http.properties.host).toMatchObject({ type: "string", default: "127.0.0.1" });
    expect(schema.properties.store.properties.type).toMatchObject({ enum: ["sqlite", "redis", "memory"] });
  });

  it("gives store: the settings of each store it is told about, where use: or the type: shorthand names it", () => {
    const factory = memoryStore;
    const withSettings = { ...factory, config: Type.Object({ url: Type.String() }, { additionalProperties: false }) } as typeof factory;
    const schema = botsYamlSchema([], [{ use: "@acme/store", type: "acme", factory: withSettings }]) as { properties: Record<string, any> };
    const [condition] = schema.properties.store.allOf;
    expect(condition.if.anyOf).toEqual([
      { properties: { use: { const: "@acme/store" } }, required: ["use"] },
      { properties: { type: { const: "acme" } }, required: ["type"] },
    ]);
    expect(condition.then).toMatchObject({ properties: { url: { type: "string" } }, required: ["url"] });
  });
});
