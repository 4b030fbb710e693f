import { readFileSync } from "node:fs";

// Read from package.json so that a release (changesets bumps package.json) cannot leave it stale.
// src/ and dist/ both sit one level below the package root.
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

/** The version of this copy of @botyard/core. */
export const CORE_VERSION: string = pkg.version;

/** Where this copy of core lives; the host compares it to detect a second copy. */
export const CORE_LOCATION: string = new URL("..", import.meta.url).href;
