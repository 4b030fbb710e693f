// Part of `pnpm build`, after tsc: the host's src/vendor/*.ts modules only re-export third-party
// code the host needs at every start (yaml, prom-client, the plugin resolver); each compiled
// dist/vendor/*.js is replaced by a bundle of the same exports, because resolving, reading and
// compiling their modules one by one costs more at start-up than what the host then does with them.
// The host's own modules stay separate files, loaded command by command.
//
// Published libraries are not bundled: @botyard/core ships tsc's modules and takes TypeBox, the
// Slack clients and pino as ordinary dependencies, so that an install holds one copy of each and
// a patched dependency reaches users without a new core release.
//
// A bundle hides its packages from `npm ls` and `npm audit` unless the host lists them: every
// package found inside a bundle must be a dependency of the host at the exact version bundled
// (the build fails otherwise), so what the tools see is what runs. Each bundle gets a
// <name>.LICENSES.txt beside it with the license of every package inside it.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const bundles = vendorModules("apps/host");

// CommonJS modules in an ES module bundle still call require() for Node's built-ins.
const banner = 'import { createRequire as __bundleCreateRequire } from "node:module";\nconst require = __bundleCreateRequire(import.meta.url);';

for (const { pkg, entry, out } of bundles) {
  const outfile = join(REPO, pkg, out);
  const result = await build({
    entryPoints: [join(REPO, pkg, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Native addons cannot be bundled; none of these bundles needs one.
    external: ["*.node"],
    banner: { js: banner },
    legalComments: "eof",
    metafile: true,
    logLevel: "warning",
    absWorkingDir: join(REPO, pkg),
  });
  writeFileSync(outfile.replace(/\.js$/, ".LICENSES.txt"), licenses(Object.keys(result.metafile.inputs), join(REPO, pkg)));
  process.stdout.write(`bundled ${relative(REPO, outfile)}\n`);
}

function vendorModules(pkg) {
  const dir = join(REPO, pkg, "src/vendor");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.includes(".test."))
    .map((f) => ({ pkg, entry: `src/vendor/${f}`, out: `dist/vendor/${f.replace(/\.ts$/, ".js")}` }));
}

/** The license text of every package whose files went into a bundle. */
function licenses(inputs, cwd) {
  const seen = new Map();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(resolve(cwd, input));
    if (!match || seen.has(match[1])) continue;
    const manifest = JSON.parse(readFileSync(join(match[1], "package.json"), "utf8"));
    const licenseFile = readdirSync(match[1]).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    seen.set(match[1], `${manifest.name}@${manifest.version} (${manifest.license ?? "see package"})\n\n${licenseFile ? readFileSync(join(match[1], licenseFile), "utf8").trim() : "No license file in the package."}\n`);
  }
  return [...seen.values()].sort().join(`\n${"-".repeat(72)}\n\n`);
}
