// Conformance mode: the emulators check what they receive and send against the providers' API descriptions.
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
  resetValidated,
  resetShapes,
  shapeTallies,
} from "./registry.js";
export type {
  ConformanceDirection,
  ConformanceProvider,
  ConformanceViolation,
  ShapeTally,
  ValidatedOperation,
  ViolationFilter,
} from "./registry.js";
