import { existsSync } from "node:fs";
import { inspect, parseArgs } from "node:util";
import { SecretScrubber, isBotyardError, scrubbedStream } from "@botyard/core";
import { readConfigBytes } from "../config/config-file.js";
import { referencedValues } from "../config/interpolate.js";

const USAGE = `botyard <command> [options]

Commands:
  start      Run the bots in bots.yaml (Slack over Socket Mode, webhooks over HTTP)
  validate   Check bots.yaml and every plugin's config without starting anything
  list       Every bot: plugin, version, state, triggers, next and last runs, last error
  deadletters  Durable jobs that failed for good, through the running host's admin endpoint:
             list [--bot ID] | show <id> | replay <id|--bot ID|--all> | drop <id|--bot ID|--all>
  reload     Ask the running host to re-read bots.yaml (as SIGHUP does) and print what changed
  backup     Online backup of the running host's SQLite store: --out <file> [--overwrite].
             The host writes a consistent copy while it serves (Redis: use Redis's own
             persistence). Restore: stop the host, put the copy at store.path, start it
  schema     Print the JSON Schema of bots.yaml, plugin configs included (--out <file> to write it)
  manifest   Print the Slack app manifest for the bots in bots.yaml: scopes, events, slash
             commands, Socket Mode (--format yaml|json, --name <app name>)
  new        Scaffold a plugin package: botyard new plugin <name> [--out <dir>]
  demo       Run bots.yaml against the built-in Slack emulator, with a live transcript; type
             to talk to the bots (/help). Never reaches Slack or any other real service
             (--scenario <module> seeds the emulators and scripts a run when stdin is not a
             terminal; --interactive reads typed lines from a pipe too). Needs the
             @botyard/demo package installed beside bots.yaml

Options:
  -c, --config <file>   The config file (default: ./bots.yaml)
  -o, --out <file>      (schema) write to a file instead of stdout; (backup) the backup file,
                        made absolute from here, written on the host's machine
      --overwrite       (backup) replace the file at --out (refused otherwise)
      --json            (list, deadletters, reload, backup) machine-readable output
      --url <url>       (deadletters, reload, backup) the admin endpoint (default: admin.host:admin.port
                        from bots.yaml, 127.0.0.1:3001); the token is admin.token as bots.yaml
                        interpolates it here, else BOTYARD_ADMIN_TOKEN
      --bot <id>        (deadletters) one bot's letters
      --all             (deadletters replay/drop) every letter
      --interactive     (demo) read lines from stdin even when it is not a terminal
      --format <f>      (manifest) yaml (default) or json
      --name <name>     (manifest) the app's name and bot user (default: botyard)
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
        interactive: { type: "boolean", default: false },
        format: { type: "string" },
        name: { type: "string" },
        url: { type: "string" },
        bot: { type: "string" },
        all: { type: "boolean", default: false },
        overwrite: { type: "boolean", default: false },
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
  // Errors quote what they were given (a plugin's setup error, a URL), and what they were given
  // came from ${VAR}s: what the CLI prints is scrubbed like the logs, stdout included, since
  // `list` shows a bot's setup error there.
  const scrubber = scrubberFor(parsed.values.config, io.env);
  io = { ...io, stdout: scrubbedStream(io.stdout, scrubber), stderr: scrubbedStream(io.stderr, scrubber) };
  try {
    switch (command) {
      // Commands load what they need when they run: `start` must not pay for the demo's emulators.
      case "start":
        return await (await import("./start-command.js")).startCommand(parsed.values.config, io);
      case "validate":
        return await (await import("./validate-command.js")).validateCommand(parsed.values.config, io);
      case "demo":
        return await (await (await import("./load-demo.js")).loadDemo(parsed.values.config)).demoCommand(parsed.values.config, parsed.values.scenario, { ...io, stdin: io.stdin ?? process.stdin, interactive: parsed.values.interactive });
      case "new":
        return await (await import("./new-command.js")).newCommand(rest, parsed.values.out, io);
      case "list":
        return await (await import("./list-command.js")).listCommand(parsed.values.config, parsed.values.json, io);
      case "manifest":
        return await (await import("./manifest-command.js")).manifestCommand(parsed.values.config, parsed.values.format, parsed.values.name, io);
      case "deadletters": {
        const v = parsed.values;
        return await (await import("./deadletters-command.js")).deadLettersCommand(rest, { config: v.config, json: v.json, all: v.all, ...(v.url ? { url: v.url } : {}), ...(v.bot ? { bot: v.bot } : {}) }, io);
      }
      case "reload":
        return await (await import("./reload-command.js")).reloadCommand({ config: parsed.values.config, json: parsed.values.json, ...(parsed.values.url ? { url: parsed.values.url } : {}) }, io);
      case "backup": {
        const v = parsed.values;
        if (rest.length > 0) {
          io.stderr.write(`botyard backup: unexpected ${rest.join(" ")} (the file goes after --out)\n`);
          return 2;
        }
        return await (await import("./backup-command.js")).backupCommand({ config: v.config, json: v.json, overwrite: v.overwrite, ...(v.out ? { out: v.out } : {}), ...(v.url ? { url: v.url } : {}) }, io);
      }
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
    // Printed here rather than left to Node, whose report of an uncaught error would not be scrubbed.
    io.stderr.write(`botyard ${command}: unexpected error\n${inspect(error, { depth: 4 })}\n`);
    return 1;
  }
}

function scrubberFor(configPath: string, env: NodeJS.ProcessEnv): SecretScrubber {
  const scrubber = new SecretScrubber();
  let text = "";
  try {
    // Read as the command will read it: at most a config's size, so `--config /dev/zero` is refused, not read forever.
    text = readConfigBytes(configPath, configPath).toString("utf8");
  } catch {
    // No config (`new`, `schema` without one), or one the command will refuse: nothing of it to scrub.
  }
  for (const value of referencedValues(text, env)) scrubber.add(value);
  return scrubber;
}
