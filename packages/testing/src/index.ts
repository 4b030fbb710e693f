// @botyard/testing: the kit every Botyard test uses, and the one plugin authors get.
export { createTestBot, TestBot } from "./test-bot/create-test-bot.js";
export type { TestBotOptions, SendOptions, WebhookOptions, TestConfig } from "./test-bot/create-test-bot.js";

export * from "./slack/slack-emulator.js";
export * from "./github/index.js";
export {
  PagerDutyEmulator,
  DEFAULT_PAGERDUTY_TOKEN,
  pagerDutyError,
} from "./pagerduty/pagerduty-emulator.js";
export type * from "./pagerduty/pagerduty-emulator.js";

export { HttpEmulator } from "./emulator/http-emulator.js";
export type { RecordedCall, Fault, EmulatorRequest, EmulatorResponse, Router } from "./emulator/http-emulator.js";

export { HostProcess } from "./process/host-process.js";
export type { HostProcessOptions } from "./process/host-process.js";
export { freePort } from "./process/free-port.js";

export {
  CONFORMANCE_ENV,
  ConformanceError,
  conformanceEnabled,
  conformanceViolations,
  enableConformance,
  expectConformance,
  formatViolations,
  takeViolations,
  validatedOperations,
} from "./conformance/index.js";
export type { ConformanceDirection, ConformanceProvider, ConformanceViolation, ValidatedOperation, ViolationFilter } from "./conformance/index.js";
