// Helpers this repository's tests share across packages; private, never published.
export { failure } from "./failure.js";
export { SmallDisk, fingerprints } from "./small-disk.js";
