import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** A plugin's build that is older than its sources: the loaded code is not what its author edited. */
export interface StaleBuild {
  /** The module the host loaded. */
  loaded: string;
  /** The newest source file, newer than `loaded`. */
  newerSource: string;
}

// A package's sources are a few dozen files; a bound keeps a huge src/ from slowing the start.
const MAX_FILES = 2_000;

/**
 * Whether `loaded` (a plugin's entry point, in its build output) is older than a file under its
 * package's `src/`: someone edited the plugin and did not rebuild it. Nothing is said of a plugin
 * loaded from its sources or shipped without them (an installed package has no src/ to compare).
 */
export function staleBuild(loaded: string, packageDir: string | undefined): StaleBuild | undefined {
  if (!packageDir) return undefined;
  const src = join(packageDir, "src");
  if (loaded.startsWith(src + sep)) return undefined;
  let built: number;
  try {
    built = statSync(loaded).mtimeMs;
  } catch {
    return undefined;
  }
  const newest = newestFile(src);
  if (!newest || newest.mtimeMs <= built) return undefined;
  return { loaded, newerSource: newest.path };
}

function newestFile(dir: string): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  let seen = 0;
  const walk = (at: string): void => {
    let entries;
    try {
      entries = readdirSync(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (++seen > MAX_FILES) return;
      const path = join(at, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") walk(path);
      } else if (entry.isFile() && /\.[cm]?[jt]sx?$/.test(entry.name)) {
        const mtimeMs = statSync(path).mtimeMs;
        if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
      }
    }
  };
  walk(dir);
  return newest;
}

/** "the plugin was loaded from X; its build is older than src/Y: rebuild it" (paths relative to `from`). */
export function describeLoad(loaded: string, stale: StaleBuild | undefined, packageDir: string | undefined, from: string): string {
  const shown = (path: string) => (relative(from, path).startsWith("..") ? path : relative(from, path));
  const where = `the plugin was loaded from ${shown(loaded)}`;
  if (!stale) return where;
  return `${where}, which is older than ${packageDir ? relative(packageDir, stale.newerSource) : stale.newerSource}: rebuild the plugin (npm run build) and run this again`;
}
