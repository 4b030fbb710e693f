// The YAML parser, bundled into one file by the build (scripts/bundle-vendor.mjs): its seventy-odd
// ES modules cost more to resolve and compile at start than parsing bots.yaml does.
export { LineCounter, parseDocument, isMap, isSeq, isScalar } from "yaml";
