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
  const inside = packagesIn(Object.keys(result.metafile.inputs), join(REPO, pkg));
  checkListed(inside, pkg, relative(REPO, outfile));
  writeFileSync(outfile.replace(/\.js$/, ".LICENSES.txt"), licenses(inside));
  process.stdout.write(`bundled ${relative(REPO, outfile)}\n`);
}

function vendorModules(pkg) {
  const dir = join(REPO, pkg, "src/vendor");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.includes(".test."))
    .map((f) => ({ pkg, entry: `src/vendor/${f}`, out: `dist/vendor/${f.replace(/\.ts$/, ".js")}` }));
}

/** Every package whose files went into a bundle: its directory and manifest. */
function packagesIn(inputs, cwd) {
  const found = new Map();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(resolve(cwd, input));
    if (!match || found.has(match[1])) continue;
    found.set(match[1], JSON.parse(readFileSync(join(match[1], "package.json"), "utf8")));
  }
  return [...found].map(([dir, manifest]) => ({ dir, manifest }));
}

/**
 * `npm ls` and `npm audit` judge what is installed: a bundled package must be a dependency of the
 * package that ships the bundle, pinned to the version inside it, or the tools would judge another.
 */
function checkListed(inside, pkg, bundle) {
  const dependencies = JSON.parse(readFileSync(join(REPO, pkg, "package.json"), "utf8")).dependencies ?? {};
  const wrong = inside
    .filter(({ manifest }) => dependencies[manifest.name] !== manifest.version)
    .map(({ manifest }) => `"${manifest.name}": "${manifest.version}" (listed: ${dependencies[manifest.name] ?? "nothing"})`);
  if (wrong.length > 0) {
    throw new Error(`${bundle} holds packages that ${pkg}/package.json does not list at the bundled version; add to its "dependencies":\n  ${wrong.join("\n  ")}`);
  }
}

/** The license text of every package in a bundle. */
function licenses(inside) {
  return inside
    .map(({ dir, manifest }) => {
      const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
      return `${manifest.name}@${manifest.version} (${manifest.license ?? "see package"})\n\n${licenseFile ? readFileSync(join(dir, licenseFile), "utf8").trim() : "No license file in the package."}\n`;
    })
    .sort()
    .join(`\n${"-".repeat(72)}\n\n`);
}
