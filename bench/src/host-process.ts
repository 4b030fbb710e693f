import { mkdirSync, writeFileSync } from "node:fs";
import { HostProcess } from "@botyard/testing";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const CLI = join(REPO, "apps/host/dist/cli.js");
/** Generated configs live beside the demo's bots.yaml, so `use:` resolves the demo's plugins. */
export const CONFIG_DIR = join(REPO, "examples/demo/.botyard");
export const BENCH_PLUGIN = join(REPO, "bench/dist/fixtures/bench-plugin.js");

export function writeConfig(name: string, yaml: string): string {
  mkdirSync(CONFIG_DIR, { recursive: true });
  const file = join(CONFIG_DIR, name);
  writeFileSync(file, yaml);
  return file;
}

/** A Node script (the botyard CLI, the bare baseline server) run as a child, its JSON log lines collected. */
export function child(script: string, args: string[] = []): HostProcess {
  return new HostProcess({ script, args });
}

/** Polls `url` until it answers 200; resolves with the time it took. */
export async function until200(url: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${url} never answered 200`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
