import type { QueueWorkerOptions } from "@botyard/core";
import type { HostConfig } from "./config-schema.js";

/** The engine's queue settings from bots.yaml's `queue:`, with `leaseMs` read as the former name of `claimMs`. */
export function queueOptions(queue: NonNullable<HostConfig["queue"]>): QueueWorkerOptions {
  const { leaseMs, claimMs, ...rest } = queue;
  const claim = leaseMs ?? claimMs;
  return { ...rest, ...(claim !== undefined ? { claimMs: claim } : {}) };
}
