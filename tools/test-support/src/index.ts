// Helpers this repository's tests share across packages; private, never published.
export { failure } from "./failure.js";
export { SmallDisk, fingerprints } from "./small-disk.js";
export { TempProject } from "./temp-project.js";
export { TcpProxy } from "./tcp-proxy.js";
