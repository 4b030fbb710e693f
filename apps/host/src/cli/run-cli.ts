import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { isBotyardError } from "@botyard/core";

const USAGE = `botyard <command> [options]

Commands:
  start      Run the bots in bots.yaml (Slack over Socket Mode, webhooks over HTTP)
  validate   Check bots.yaml and every plugin's config without starting anything
  list       Every bot: plugin, version, state, triggers, next and last runs, last error
  schema     Print the JSON Schema of bots.yaml, plugin configs included (--out <file> to write it)
  new        Scaffold a plugin package: botyard new plugin <name> [--out <dir>]
  demo       Run bots.yaml against the built-in Slack emulator, with a live transcript
             (--scenario <module> seeds the emulators and scripts a run when stdin is not a terminal)

Options:
  -c, --config <file>   The config file (default: ./bots.yaml)
  -o, --out <file>      (schema) write to a file instead of stdout
      --json            (list) machine-readable output
  -h, --help            Show this help
`;

export interface CliIO {
  stdin?: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Runs a CLI command; resolves with the exit code (long-running commands resolve when they stop). */
export async function run(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c", default: "bots.yaml" },
        help: { type: "boolean", short: "h", default: false },
        json: { type: "boolean", default: false },
        out: { type: "string", short: "o" },
        scenario: { type: "string" },
      },
    });
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    (command ? io.stdout : io.stderr).write(USAGE);
    return command ? 0 : 2;
  }
  try {
    switch (command) {
      // Commands load what they need when they run: `start` must not pay for the demo's emulators.
      case "start":
        return await (await import("./start-command.js")).startCommand(parsed.values.config, io);
      case "validate":
        return await (await import("./validate-command.js")).validateCommand(parsed.values.config, io);
      case "demo":
        return await (await import("./demo-command.js")).demoCommand(parsed.values.config, parsed.values.scenario, { ...io, stdin: io.stdin ?? process.stdin });
      case "new":
        return await (await import("./new-command.js")).newCommand(rest, parsed.values.out, io);
      case "list":
        return await (await import("./list-command.js")).listCommand(parsed.values.config, parsed.values.json, io);
      case "schema":
        return await (await import("./schema-command.js")).schemaCommand(argv.some((a) => a === "-c" || a.startsWith("--config")) ? parsed.values.config : existsSync(parsed.values.config) ? parsed.values.config : undefined, parsed.values.out, io);
      default:
        io.stderr.write(`Unknown command "${command}"${rest.length ? ` ${rest.join(" ")}` : ""}.\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (isBotyardError(error)) {
      io.stderr.write(`botyard ${command}: ${(error as Error).message}\n  (${(error as { code: string }).code})\n`);
      return 1;
    }
    throw error;
  }
}
