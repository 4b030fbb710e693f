// What the plugin loader needs to find a plugin beside bots.yaml and check its core range,
// bundled into one file by the build (scripts/bundle.mjs) to save resolving and compiling their
// modules at every start. Each package inside is a host dependency at the bundled version.
export { resolve } from "import-meta-resolve";
export { default as semverMajor } from "semver/functions/major.js";
export { default as semverSatisfies } from "semver/functions/satisfies.js";
export { default as semverValidRange } from "semver/ranges/valid.js";
