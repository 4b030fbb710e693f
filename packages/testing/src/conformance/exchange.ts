import type { EmulatorRequest } from "../emulator/http-emulator.js";
import { type ConformanceDirection, type ConformanceProvider, recordViolation } from "./registry.js";

/** One request/answer pair as an emulator's conformance checker sees it. */
export interface Exchange {
  operation: string;
  request: EmulatorRequest;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** The answer came from an injected fault rather than the emulator's own handler. */
  injected: boolean;
}

/** Checks exchanges as they happen; records violations in the registry. */
export interface ConformanceChecker {
  /** Load descriptions eagerly (at emulator start), so the first call is not slowed down. */
  prepare?(): void;
  check(exchange: Exchange): void;
  /** The emulator's handler threw: it cannot answer this call the way the provider would. */
  crashed?(operation: string, error: Error): void;
}

export function violation(
  provider: ConformanceProvider,
  operation: string,
  direction: ConformanceDirection,
  message: string,
  errors: string[] = [],
  status?: number,
): void {
  recordViolation({ provider, operation, direction, message, errors, ...(status !== undefined ? { status } : {}) });
}

/** Run a checker without letting its own failure (a missing description, a bug) break the emulator's answer. */
export function safely(provider: ConformanceProvider, operation: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    violation(provider, operation, "coverage", `the conformance check itself failed: ${(error as Error).message}`);
  }
}
