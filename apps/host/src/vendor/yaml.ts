// The YAML parser, bundled into one file by the build (scripts/bundle.mjs): its seventy-odd ES
// modules cost more to resolve and compile at start than parsing bots.yaml does. Each package
// inside is a host dependency at the bundled version.
export { CST, Lexer, LineCounter, parseDocument, isAlias, isMap, isPair, isSeq, isScalar, stringify } from "yaml";
