import { Writable } from "node:stream";
import type { SecretScrubber } from "./secret-scrubber.js";

/** A stream that writes to `stream` what it is given, scrubbed (the CLI's stdout and stderr). */
export function scrubbedStream(stream: NodeJS.WritableStream, scrubber: SecretScrubber): NodeJS.WritableStream {
  return new Writable({
    write(chunk, _encoding, done) {
      // Passed on at once, not queued behind the last write: the CLI may exit right after an error.
      stream.write(scrubber.scrub(String(chunk)));
      done();
    },
  });
}
