import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolve as resolveSpecifier } from "../vendor/plugin-resolution.js";

export interface ResolvedPlugin {
  /** file: URL of the module to import. */
  url: string;
  /** package.json of the package it belongs to, when there is one. */
  packageName?: string;
  packageVersion?: string;
  /** The directory of that package.json. */
  packageDir?: string;
}

export class PluginNotFound extends Error {
  constructor(
    readonly specifier: string,
    readonly searchedFrom: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Resolves `use:` the way Node would from a module beside bots.yaml: a relative path against the
 * config's directory, a package name through the node_modules above it (honouring `exports`). On
 * Node 20 `import.meta.resolve(x, parent)` ignores `parent`, hence the import-meta-resolve package.
 */
export function resolvePlugin(specifier: string, configDir: string): ResolvedPlugin {
  const isPath = specifier.startsWith(".") || isAbsolute(specifier) || specifier.startsWith("file:");
  if (isPath) {
    const path = specifier.startsWith("file:") ? fileURLToPath(specifier) : resolvePath(configDir, specifier);
    if (!existsSync(path)) throw new PluginNotFound(specifier, configDir, `no file or directory at ${path}`);
    const entry = statSync(path).isDirectory() ? directoryEntry(path) : path;
    return { url: pathToFileURL(entry).href, ...packageInfo(entry) };
  }
  let url: string;
  try {
    url = resolveSpecifier(specifier, pathToFileURL(join(configDir, "bots.yaml")).href);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === "ERR_MODULE_NOT_FOUND"
        ? `package "${specifier}" is not installed in ${configDir} or above it`
        : code === "ERR_PACKAGE_PATH_NOT_EXPORTED"
          ? `package "${specifier}" does not export an entry point for import`
          : (cause as Error).message;
    throw new PluginNotFound(specifier, configDir, reason);
  }
  return { url, ...packageInfo(fileURLToPath(url)) };
}

function directoryEntry(dir: string): string {
  const pkgFile = join(dir, "package.json");
  if (existsSync(pkgFile)) {
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { exports?: unknown; main?: string; module?: string };
    const target = exportTarget(pkg.exports) ?? pkg.module ?? pkg.main;
    if (target) return join(dir, target);
  }
  for (const candidate of ["index.js", "index.mjs", "dist/index.js"]) {
    if (existsSync(join(dir, candidate))) return join(dir, candidate);
  }
  throw new PluginNotFound(dir, dir, `directory ${dir} has no package.json entry point or index.js`);
}

function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === "string") return exports;
  if (!exports || typeof exports !== "object") return undefined;
  const root = (exports as Record<string, unknown>)["."] ?? exports;
  if (typeof root === "string") return root;
  if (root && typeof root === "object") {
    for (const condition of ["import", "node", "default"]) {
      const t = exportTarget((root as Record<string, unknown>)[condition]);
      if (t) return t;
    }
  }
  return undefined;
}

function packageInfo(file: string): { packageName?: string; packageVersion?: string; packageDir?: string } {
  let dir = dirname(file);
  for (;;) {
    const pkgFile = join(dir, "package.json");
    if (existsSync(pkgFile)) {
      try {
        const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { name?: string; version?: string };
        // A package.json with only "type" (as in dist folders) is not the package's own.
        if (pkg.name) return { packageName: pkg.name, packageDir: dir, ...(pkg.version ? { packageVersion: pkg.version } : {}) };
      } catch {
        return {};
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return {};
    dir = parent;
  }
}
