import type { Logger } from "@botyard/core";

/**
 * SIGTERM/SIGINT stop the host gracefully and exit 0; a second signal while stopping exits at
 * once with 1 (an operator pressing Ctrl-C twice means it).
 */
export function exitOnSignals(stop: () => Promise<unknown>, log: Logger, exit: (code: number) => void = (c) => process.exit(c)): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now");
      exit(1);
      return;
    }
    stopping = true;
    log.info({ signal }, "signal received: stopping gracefully");
    stop().then(
      () => exit(0),
      (error: unknown) => {
        log.error({ err: error }, "graceful stop failed");
        exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return () => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  };
}
