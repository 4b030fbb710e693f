import { Writable } from "node:stream";
import { SlackEmulator } from "@botyard/testing";
import { loadConfig } from "../config/load-config.js";
import { startHost, type HostOptions, type RunningHost } from "../runtime/host.js";
import { userProject } from "./temp-project.js";
import type { TempProject } from "@botyard/test-support";

export interface InProcessHost {
  host: RunningHost;
  slack: SlackEmulator;
  project: TempProject;
  /** Raw log lines, exactly as written (after scrubbing). */
  raw: string[];
  url: string;
  close(): Promise<void>;
}

/**
 * A host started in this process from a bots.yaml body (the `slack:` section is filled in with
 * the emulator's), for tests of the host's own behaviour: HTTP codes, logs, isolation.
 */
export async function startInProcessHost(
  botsYaml: string,
  options: { env?: NodeJS.ProcessEnv; setup?: (project: TempProject, slack: SlackEmulator) => void; host?: HostOptions; store?: string; httpExtra?: string } = {},
): Promise<InProcessHost> {
  const slack = await SlackEmulator.start();
  const project = userProject();
  options.setup?.(project, slack);
  const file = project.write(
    "bots.yaml",
    `slack:\n  appToken: \${SLACK_APP_TOKEN}\n  botToken: \${SLACK_BOT_TOKEN}\n  apiUrl: ${slack.apiUrl}\nhttp: { port: 0, bodyLimitBytes: 1024${options.httpExtra ? `, ${options.httpExtra}` : ""} }\nstore: ${options.store ?? "{ type: memory }"}\n${botsYaml}`,
  );
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _e, done) {
      raw.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const env = { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: slack.botToken, ...options.env };
  const loaded = loadConfig(file, env);
  let host: RunningHost;
  try {
    // The same environment for a reload as for the start.
    host = await startHost(loaded, { logDestination: destination, clientPingTimeoutMs: 200, env, ...options.host });
  } catch (error) {
    await slack.close();
    project.remove();
    throw error;
  }
  return {
    host,
    slack,
    project,
    raw,
    url: `http://127.0.0.1:${host.port}`,
    async close() {
      await host.stop();
      await slack.close();
      project.remove();
    },
  };
}
