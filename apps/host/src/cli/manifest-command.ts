import { silentLogger } from "@botyard/core";
import { ConfigError } from "../config/config-error.js";
import { readConfigBytes } from "../config/config-file.js";
import { referencedNames } from "../config/interpolate.js";
import { loadConfig } from "../config/load-config.js";
import { appManifest, slackNeedsByBot } from "../manifest/app-manifest.js";
import { checkBots } from "../runtime/bootstrap.js";
import { stringify } from "../vendor/yaml.js";
import type { CliIO } from "./run-cli.js";

/**
 * `botyard manifest [--config bots.yaml] [--format yaml|json] [--name <app name>]`: the Slack app
 * manifest for exactly the bots configured (disabled ones left out). Needs no tokens: it is what
 * creates the app the tokens come from. A config that does not set up is refused, as `validate`
 * refuses it: a manifest without one of the bots would install an app that cannot serve it.
 */
// What an unset `${VAR}` stands for while the bots are set up for their manifest (no I/O runs):
// the app is usually created before any secret exists. A URL, so that fields checked as URLs
// (a `baseUrl`) accept it as they accept a token.
const UNSET_STAND_IN = "http://unset.invalid/";

export async function manifestCommand(configPath: string, format: string | undefined, name: string | undefined, io: CliIO): Promise<number> {
  if (format !== undefined && format !== "yaml" && format !== "json") {
    io.stderr.write(`botyard manifest: --format must be yaml or json, not ${JSON.stringify(format)}.\n`);
    return 2;
  }
  const env = { ...io.env };
  for (const name of referencedNames(readConfigBytes(configPath, configPath).toString("utf8"))) env[name] ||= UNSET_STAND_IN;
  const loaded = loadConfig(configPath, env);
  const checked = await checkBots(loaded, silentLogger());
  const problems = [...checked.problems, ...checked.setupFailures];
  if (problems.length > 0) throw new ConfigError(problems);
  const manifest = appManifest(slackNeedsByBot(checked.prepared), name ? { name } : {});
  io.stdout.write(format === "json" ? `${JSON.stringify(manifest, null, 2)}\n` : stringify(manifest));
  return 0;
}
