import { pino, type DestinationStream, type Logger as PinoLogger, type LevelWithSilent } from "pino";
import { SecretScrubber } from "../secrets/secret-scrubber.js";

export type Logger = PinoLogger;

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream | NodeJS.WritableStream;
  scrubber?: SecretScrubber;
  /** Bindings on every line (e.g. `{ host: "..." }`). */
  base?: Record<string, unknown>;
}

/**
 * The host's logger: pino, JSON lines, every line passed through the secret scrubber (registered
 * secrets, credential headers) before it is written. Bots get children of it with their bot, plugin, trigger and run id bound.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const scrubber = options.scrubber ?? new SecretScrubber();
  // Synchronous writes: a line logged just before a crash or an exit is not lost.
  const target = options.destination ?? pino.destination({ dest: 1, sync: true });
  const destination: DestinationStream = {
    write(line: string) {
      (target as DestinationStream).write(scrubber.scrub(line));
    },
  };
  return pino(
    {
      level: options.level ?? "info",
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      // pino's default `err` serializer keeps `cause` chains and HTTP clients' extra fields; the
      // scrubber above then takes any secret out of them.
      serializers: { err: pino.stdSerializers.errWithCause },
    },
    destination,
  );
}

/** A logger that drops everything (for validate/list/schema runs that must not chatter). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
