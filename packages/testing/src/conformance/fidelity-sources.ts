// What the emulator fidelity report (tools/fidelity, `pnpm fidelity`) reads from this package: the
// providers' API descriptions and their errata, the validator's settings, and the GraphQL surface
// the GitHub emulator answers. Exported for that report; a test of a plugin needs none of it.
export { loadSpec, readErrata, SPECS, specPath, specVersion, type SpecName } from "./specs.js";
export { PROVIDER_FORMATS, UNCHECKED_FORMATS, VALIDATOR_SETTINGS } from "./validator-settings.js";
export { IMPLEMENTED_FIELDS } from "../github/graphql-api.js";
export { GRAPHQL_OPERATION } from "../github/graphql-conformance.js";
export { graphQLSchemaVersion } from "../github/graphql-schema.js";
export { SAMPLE_FILES, SAMPLES_DIR, sampledShapes } from "./slack-samples.js";
export { OPTIONAL_KEYS, OTHER_TYPES } from "./sample-optional.js";
