import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { configurationReference } from "@botyard/host";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

/** Every generated section in docs/: the file and what goes between its markers. */
export function docTargets(): Array<{ file: string; reference: string }> {
  return [{ file: join(REPO, "docs/configuration.md"), reference: configurationReference() }];
}
