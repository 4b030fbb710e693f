// @botyard/demo: what `botyard demo` runs. The host imports it only for that command, so a
// production install of @botyard/host never pulls the emulators (ajv, ws, the API descriptions).
export { demoCommand } from "./demo-command.js";
export type { DemoIO } from "./demo-command.js";
export type { DemoKit, DemoScenario } from "./demo-scenario.js";
