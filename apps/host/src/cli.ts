#!/usr/bin/env node
import { run } from "./cli/run-cli.js";

const code = await run(process.argv.slice(2));
// Exit explicitly once output is flushed: after a graceful stop, keep-alive sockets of HTTP
// clients would otherwise hold the process for seconds.
process.stdout.write("", () => process.exit(code));
