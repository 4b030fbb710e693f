import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** The npm project `botyard new plugin` runs in, as far as the new plugin's package cares. */
export interface ProjectContext {
  /** The folder of the project's package.json, if there is one at or above the working directory. */
  dir?: string;
  /** Whether the project depends on @botyard/host: then the plugin becomes one of its workspaces. */
  hasHost: boolean;
  /** How many workspaces it lists already (the next `npm pkg set 'workspaces[N]=...'` index). */
  workspaces: number;
  /**
   * Where the plugin's dev dependencies on @botyard/core and @botyard/testing come from, when the
   * project installed them from tarballs (`npm install ../botyard/dist-tarballs/*.tgz`) rather than
   * from the registry: the same tarballs, as `file:` paths from the plugin's folder. npm cannot
   * find a version range of a package the registry does not have, so a range would answer E404.
   */
  tarballs: { core?: string; testing?: string };
}

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: unknown;
}

/** Reads the project around `cwd` for a plugin to be written in `pluginDir`. */
export function projectContext(cwd: string, pluginDir: string): ProjectContext {
  const dir = nearestPackageDir(cwd);
  if (!dir) return { hasHost: false, workspaces: 0, tarballs: {} };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
  } catch {
    // A package.json npm itself could not read: nothing to take from it.
    return { dir, hasHost: false, workspaces: 0, tarballs: {} };
  }
  const deps = { ...manifest.devDependencies, ...manifest.dependencies };
  const fromTarball = (name: string): string | undefined => {
    const spec = deps[name];
    if (!spec?.startsWith("file:") || !spec.endsWith(".tgz")) return undefined;
    const path = spec.slice("file:".length);
    const target = isAbsolute(path) ? path : resolve(dir, path);
    const rel = relative(pluginDir, target).split(sep).join("/");
    return `file:${rel}`;
  };
  const core = fromTarball("@botyard/core");
  const testing = fromTarball("@botyard/testing");
  return {
    dir,
    hasHost: "@botyard/host" in deps,
    workspaces: Array.isArray(manifest.workspaces) ? manifest.workspaces.length : 0,
    tarballs: { ...(core ? { core } : {}), ...(testing ? { testing } : {}) },
  };
}

function nearestPackageDir(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}
