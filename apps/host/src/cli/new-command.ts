import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { BotyardError, CORE_VERSION, ErrorCodes } from "@botyard/core";
import { pluginFiles } from "../scaffold/plugin-template.js";
import type { CliIO } from "./run-cli.js";

/**
 * `botyard new plugin <name> [--out dir]`: a plugin package with a typed config schema, one bot
 * with a schedule and a slash command, a README and a passing test using @botyard/testing.
 */
export async function newCommand(args: string[], out: string | undefined, io: CliIO): Promise<number> {
  const [kind, rawName] = args;
  if (kind !== "plugin" || !rawName) {
    io.stderr.write("usage: botyard new plugin <name> [--out <dir>]\n");
    return 2;
  }
  const scoped = /^(@[a-z0-9-~][a-z0-9-._~]*)\/(.+)$/.exec(rawName);
  const base = (scoped ? scoped[2]! : rawName).replace(/^botyard-plugin-/, "");
  if (!/^[a-z][a-z0-9-]*$/.test(base)) {
    throw new BotyardError(ErrorCodes.CONFIG_INVALID, `"${rawName}" is not a usable plugin name.`, {
      hint: "Use lowercase letters, digits and dashes, e.g. `botyard new plugin standup` or `botyard new plugin @acme/standup`.",
    });
  }
  // The naming convention: botyard-plugin-<name>, or @scope/botyard-plugin-<name>.
  const packageName = scoped ? `${scoped[1]}/botyard-plugin-${base}` : `botyard-plugin-${base}`;
  const dir = resolve(out ?? `botyard-plugin-${base}`);
  if (existsSync(dir) && readdirNonEmpty(dir)) {
    throw new BotyardError(ErrorCodes.CONFIG_INVALID, `${dir} already exists and is not empty.`, { hint: "Choose another name or --out directory." });
  }
  const files = pluginFiles({ name: base, packageName, coreRange: `^${CORE_VERSION}`, testingRange: `^${testingVersion()}`, command: `/${base}` });
  for (const [relative, content] of Object.entries(files)) {
    const path = join(dir, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  io.stdout.write(`Created ${packageName} in ${dir}\n\n  cd ${dir}\n  npm install\n  npm test\n\nThen list it in bots.yaml with use: "${packageName}".\n`);
  return 0;
}

function readdirNonEmpty(dir: string): boolean {
  return readdirSync(dir).length > 0;
}

function testingVersion(): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve("@botyard/testing/package.json"), "utf8")) as { version: string }).version;
}
