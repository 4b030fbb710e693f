import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TempProject } from "@botyard/test-support";
import { HostProcess, type HostProcessOptions } from "@botyard/testing";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const HELLO_PLUGIN_DIR = join(REPO_ROOT, "examples/hello-plugin");
const CLI = join(REPO_ROOT, "apps/host/dist/cli.js");

/** A user's project with this repository's core installed beside it. */
export function userProject(): TempProject {
  return new TempProject({ "@botyard/core": join(REPO_ROOT, "packages/core") });
}

/** This repository's built `botyard` CLI (the test command builds first). */
export function botyard(options: Omit<HostProcessOptions, "script">): HostProcess {
  return new HostProcess({ ...options, script: CLI });
}
