import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { BotyardError, CORE_VERSION, ErrorCodes } from "@botyard/core";
import { pluginFiles } from "../scaffold/plugin-template.js";
import { projectContext, type ProjectContext } from "../scaffold/project-context.js";
import type { CliIO } from "./run-cli.js";

/**
 * `botyard new plugin <name> [--out dir]`: a plugin package with a typed config schema, one bot
 * with a schedule, a slash command and a mention keyword (both configurable, so that the plugin
 * can back several bots), a README and a passing test using @botyard/testing. The next steps it
 * prints are those of docs/getting-started.md for the project it runs in.
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
  const project = projectContext(process.cwd(), dir);
  const coreRange = `^${CORE_VERSION}`;
  const files = pluginFiles({
    name: base,
    packageName,
    coreRange,
    coreDev: project.tarballs.core ?? coreRange,
    testingDev: project.tarballs.testing ?? `^${testingVersion()}`,
    command: `/${base}`,
    keyword: base,
  });
  for (const [relative, content] of Object.entries(files)) {
    const path = join(dir, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  io.stdout.write(nextSteps(packageName, dir, project));
  return 0;
}

/** What to run next, as docs/getting-started.md has it for a project with the host installed. */
function nextSteps(packageName: string, dir: string, project: ProjectContext): string {
  const created = `Created ${packageName} in ${dir}\n\n`;
  const inside = project.dir !== undefined && dir.startsWith(project.dir + sep);
  if (project.hasHost && inside) {
    const folder = relative(project.dir!, dir).split(sep).join("/");
    return (
      created +
      "Make it a workspace of this project, so that the host and the plugin share one @botyard/core:\n\n" +
      `  npm pkg set 'workspaces[${project.workspaces}]=${folder}'\n` +
      "  npm install\n" +
      `  npm run build --workspace ${folder}\n` +
      `  npm test --workspace ${folder}\n\n` +
      `Then list it in bots.yaml with use: ./${folder}\n`
    );
  }
  const fromRegistry = !project.tarballs.core || !project.tarballs.testing;
  return (
    created +
    `  cd ${dir}\n  npm install\n  npm test\n\n` +
    (fromRegistry
      ? "If npm answers E404 for @botyard/core or @botyard/testing, they are not on npm yet: install\n" +
        "@botyard/host from tarballs first (docs/getting-started.md, \"Install the host\"), then run\n" +
        "`botyard new plugin` in that project.\n\n"
      : "") +
    `Then install it beside bots.yaml and list it with use: "${packageName}".\n`
  );
}

function readdirNonEmpty(dir: string): boolean {
  return readdirSync(dir).length > 0;
}

function testingVersion(): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve("@botyard/testing/package.json"), "utf8")) as { version: string }).version;
}
