import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isUtf8 } from "node:buffer";
import { ErrorCodes } from "@botyard/core";
import { ConfigError, type ConfigProblem } from "./config-error.js";

/**
 * The largest bots.yaml read. A config for a thousand bots is a few hundred kilobytes; anything
 * much larger is the wrong file (`--config /var/log/syslog`, `/dev/zero`), and reading it whole
 * would stall or exhaust the host before a single line of it could be reported.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * The bytes of a config file, read at most `MAX_CONFIG_BYTES + 1` of them: a directory, a missing
 * or unreadable file, an oversized file or an endless device is a ConfigError at `<file>:1:1`.
 */
export function readConfigBytes(file: string, shown: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (cause) {
    throw fileProblem(shown, unreadable(cause as NodeJS.ErrnoException));
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw fileProblem(shown, "is a directory, not a file");
    if (stat.isFile() && stat.size > MAX_CONFIG_BYTES) throw fileProblem(shown, tooLarge(stat.size));
    // Read in chunks and stop past the limit: a pipe or a device has no size to check first.
    const chunks: Buffer[] = [];
    const chunk = Buffer.allocUnsafe(64 * 1024);
    let total = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_CONFIG_BYTES) throw fileProblem(shown, tooLarge(total, true));
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(chunks, total);
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw fileProblem(shown, unreadable(cause as NodeJS.ErrnoException));
  } finally {
    closeSync(fd);
  }
}

/**
 * The text of a config file's bytes. YAML is UTF-8 here: a UTF-16 file, a stray byte from
 * another encoding (Latin-1 `é`) or a NUL byte is refused at its line and column, because
 * decoding it anyway would silently change a value (a token, a channel name) into something else.
 */
export function decodeConfig(bytes: Buffer, shown: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new ConfigError([{ ...encodingProblem(`${shown}:1:1`, "is UTF-16 encoded; bots.yaml must be UTF-8") }]);
  }
  const text = bytes.toString("utf8");
  if (!isUtf8(bytes)) {
    // Decoding replaced the invalid bytes with U+FFFD: the first replacement that was not a
    // U+FFFD in the file (EF BF BD) is where they start.
    let at = 0;
    for (const char of text) {
      if (char === "\uFFFD" && !(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) break;
      at += Buffer.byteLength(char);
    }
    throw new ConfigError([encodingProblem(`${shown}:${lineCol(bytes, at)}`, `is not valid UTF-8 (byte 0x${bytes[at]!.toString(16).toUpperCase().padStart(2, "0")})`)]);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new ConfigError([encodingProblem(`${shown}:${lineCol(bytes, nul)}`, "contains a NUL byte: is it a binary file, or saved as UTF-16?")]);
  return text;
}

function lineCol(bytes: Buffer, at: number): string {
  let line = 1;
  let start = 0;
  for (let i = bytes.indexOf(10); i >= 0 && i < at; i = bytes.indexOf(10, i + 1)) {
    line++;
    start = i + 1;
  }
  // Columns count characters, as an editor shows them, not bytes.
  return `${line}:${bytes.subarray(start, at).toString("utf8").length + 1}`;
}

function encodingProblem(where: string, message: string): ConfigProblem {
  return { code: ErrorCodes.CONFIG_SYNTAX, where, path: "", message, hint: "Save bots.yaml as UTF-8 (without NUL bytes): every editor can." };
}

function fileProblem(shown: string, message: string): ConfigError {
  return new ConfigError([{ code: ErrorCodes.CONFIG_SYNTAX, where: `${shown}:1:1`, path: "", message, hint: "Pass the file with --config <path> (default: ./bots.yaml)." }]);
}

function unreadable(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ENOENT":
      return "file not found";
    case "EACCES":
    case "EPERM":
      return "cannot be read: permission denied (the host's user needs read access)";
    case "EISDIR":
      return "is a directory, not a file";
    default:
      return `cannot be read: ${error.code ?? error.message}`;
  }
}

function tooLarge(size: number, atLeast = false): string {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return atLeast
    ? `is more than ${mib(MAX_CONFIG_BYTES)}, the most a bots.yaml may be (is it the right file?)`
    : `is ${mib(size)}; a bots.yaml may be at most ${mib(MAX_CONFIG_BYTES)} (is it the right file?)`;
}
