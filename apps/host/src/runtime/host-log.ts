import { SecretScrubber, createLogger, passwordsInUrls, type Logger } from "@botyard/core";
import type { LoadedConfig } from "../config/load-config.js";

export interface HostLogOptions {
  /** Where log lines go (stdout by default). */
  logDestination?: NodeJS.WritableStream;
  /** Extra values to scrub from logs. */
  secrets?: string[];
}

/**
 * The host's logger, scrubbing every secret the config interpolated (and the store URL's password);
 * a value too short to scrub is named in a warning, never shown.
 */
export function hostLog(loaded: LoadedConfig, options: HostLogOptions): { scrubber: SecretScrubber; log: Logger } {
  const scrubber = new SecretScrubber();
  // A store URL's password can surface alone (a client's debug output), not only inside the URL.
  for (const secret of [...(options.secrets ?? []), ...passwordsInUrls(loaded.config.store)]) scrubber.add(secret);
  const tooShort = new Map<string, string>();
  for (const ref of loaded.fromEnv) {
    if (!scrubber.add(ref.value) && ref.value !== "" && !tooShort.has(ref.variable)) tooShort.set(ref.variable, ref.where);
  }
  const log = createLogger({
    level: loaded.config.log?.level ?? "info",
    scrubber,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  for (const [variable, where] of tooShort) {
    // Named, never shown: the value is the very thing that cannot be scrubbed.
    log.warn(
      { variable, where, minLength: SecretScrubber.MIN_LENGTH },
      `the value of \${${variable}} is shorter than ${SecretScrubber.MIN_LENGTH} characters, too short to be scrubbed from logs; if it is a secret, use a longer one`,
    );
  }
  return { scrubber, log };
}
