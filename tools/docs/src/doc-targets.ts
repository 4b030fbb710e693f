import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { configurationReference, schemaReference, type JsonSchema } from "@botyard/host";
import { DogdataConfig } from "@botyard/plugin-dogdata";
import { OncallConfig } from "@botyard/plugin-oncall";
import { ReleaseConfig } from "@botyard/plugin-release";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

const reference = (schema: unknown) => schemaReference(JSON.parse(JSON.stringify(schema)) as JsonSchema);

/** Every generated section in docs/: the file and what goes between its markers. */
export function docTargets(): Array<{ file: string; reference: string }> {
  return [
    { file: join(REPO, "docs/configuration.md"), reference: configurationReference() },
    { file: join(REPO, "docs/plugins/release.md"), reference: reference(ReleaseConfig) },
    { file: join(REPO, "docs/plugins/oncall.md"), reference: reference(OncallConfig) },
    { file: join(REPO, "docs/plugins/dogdata.md"), reference: reference(DogdataConfig) },
  ];
}
