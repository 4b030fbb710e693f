import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BotyardError, ErrorCodes } from "@botyard/core";
import { resolve as resolveSpecifier } from "../vendor/plugin-resolution.js";
import type { CliIO } from "./run-cli.js";

/** What the host needs of `@botyard/demo` (typed here: the demo depends on the host, not the reverse). */
interface DemoModule {
  demoCommand(configPath: string, scenarioPath: string | undefined, io: CliIO & { stdin: NodeJS.ReadStream; interactive?: boolean }): Promise<number>;
}

export const DEMO_PACKAGE = "@botyard/demo";

/**
 * `botyard demo` lives in its own package, so that the host's dependencies stay those of
 * `botyard start` (no emulators, ajv, ws or API descriptions in a production install). It is looked
 * for beside bots.yaml first, as plugins are, then beside the host itself.
 */
export async function loadDemo(configPath: string): Promise<DemoModule> {
  const parents = [pathToFileURL(join(dirname(resolve(configPath)), "bots.yaml")).href, import.meta.url];
  for (const parent of parents) {
    let url: string;
    try {
      url = resolveSpecifier(DEMO_PACKAGE, parent);
    } catch {
      continue;
    }
    return (await import(url)) as DemoModule;
  }
  throw new BotyardError(ErrorCodes.DEMO_NOT_INSTALLED, `botyard demo needs the ${DEMO_PACKAGE} package, which is not installed beside ${configPath} nor beside the host.`, {
    hint: `run \`npm install --save-dev ${DEMO_PACKAGE}\` in the project that holds bots.yaml; \`botyard start\` does not need it.`,
    details: { package: DEMO_PACKAGE, config: configPath },
  });
}
