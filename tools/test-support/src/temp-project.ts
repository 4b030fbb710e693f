import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * A throwaway directory standing for a user's project: a bots.yaml and the packages installed
 * beside it (linked in, as npm would have installed them).
 */
export class TempProject {
  readonly dir = mkdtempSync(join(tmpdir(), "botyard-test-"));

  constructor(links: Record<string, string> = {}) {
    for (const [name, target] of Object.entries(links)) this.link(name, target);
  }

  write(relative: string, content: string): string {
    const path = join(this.dir, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return path;
  }

  /** Installs a package (a directory) as node_modules/<name>. */
  link(name: string, target: string): void {
    const path = join(this.dir, "node_modules", name);
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(target, path, "dir");
  }

  /** Writes node_modules/<name> as a tiny ES module plugin package. */
  plugin(name: string, source: string, version = "1.2.3"): void {
    this.write(`node_modules/${name}/package.json`, JSON.stringify({ name, version, type: "module", exports: "./index.js" }));
    this.write(`node_modules/${name}/index.js`, source);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
