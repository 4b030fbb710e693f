#!/usr/bin/env node
import { run } from "./cli/run-cli.js";

process.exitCode = await run(process.argv.slice(2));
