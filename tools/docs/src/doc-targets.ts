import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { botsYamlSchema, configurationReference, schemaReference, type JsonSchema } from "@botyard/host";
import hello from "botyard-plugin-hello";
import alertmanager from "@botyard/plugin-alertmanager";
import dogdata from "@botyard/plugin-dogdata";
import oncall from "@botyard/plugin-oncall";
import release from "@botyard/plugin-release";
import { AlertmanagerConfig } from "@botyard/plugin-alertmanager";
import { DogdataConfig } from "@botyard/plugin-dogdata";
import { OncallConfig } from "@botyard/plugin-oncall";
import { ReleaseConfig } from "@botyard/plugin-release";
import { errorReferencePage } from "./error-reference-page.js";
import { memoryStore } from "@botyard/core";
import { sqliteStore } from "@botyard/store-sqlite";
import { redisStore } from "@botyard/store-redis";

/** The stores `store.type` names, as the host loads them. */
const STORES = [
  { use: "@botyard/store-sqlite", type: "sqlite", factory: sqliteStore },
  { use: "@botyard/store-redis", type: "redis", factory: redisStore },
  { use: "@botyard/core", type: "memory", factory: memoryStore },
];

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

const reference = (schema: unknown) => schemaReference(JSON.parse(JSON.stringify(schema)) as JsonSchema);

/** Every generated section in docs/: the file and what goes between its markers. */
export function docTargets(): Array<{ file: string; reference: string }> {
  return [
    { file: join(REPO, "docs/configuration.md"), reference: configurationReference(STORES) },
    { file: join(REPO, "docs/plugins/release.md"), reference: reference(ReleaseConfig) },
    { file: join(REPO, "docs/plugins/oncall.md"), reference: reference(OncallConfig) },
    { file: join(REPO, "docs/plugins/dogdata.md"), reference: reference(DogdataConfig) },
    { file: join(REPO, "docs/plugins/alertmanager.md"), reference: reference(AlertmanagerConfig) },
  ];
}

/** Generated whole files: the demo's bots.schema.json, which its bots.yaml names for editors, and the error reference. */
export function fileTargets(): Array<{ file: string; content: string }> {
  const schema = botsYamlSchema([
    { use: "botyard-plugin-hello", plugin: hello },
    { use: "@botyard/plugin-dogdata", plugin: dogdata },
    { use: "@botyard/plugin-alertmanager", plugin: alertmanager },
    { use: "@botyard/plugin-release", plugin: release },
    { use: "@botyard/plugin-oncall", plugin: oncall },
  ], STORES);
  return [
    { file: join(REPO, "examples/demo/bots.schema.json"), content: `${JSON.stringify(schema, null, 2)}\n` },
    { file: join(REPO, "docs/errors.md"), content: errorReferencePage() },
  ];
}
