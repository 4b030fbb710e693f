// Shared set-up for this plugin's tests (not shipped: excluded in package.json `files`).
import { Writable } from "node:stream";
import { createLogger, type Logger } from "@botyard/core";
import { createTestBot, GitHubEmulator, SlackEmulator, type GitHubRepo, type TestBot, type TestBotOptions } from "@botyard/testing";
import { afterEach, beforeEach, vi } from "vitest";
import release from "../index.js";

export const TOKEN = "ghp_release_bot_test_token_0001";
export const CHANNEL = "C0RELEASE";

export interface World {
  gh: GitHubEmulator;
  slack: SlackEmulator;
  t: TestBot;
  /** Slack ids of the people in both worlds. */
  users: { alice: string; bob: string; carol: string };
  close(): Promise<void>;
}

/** Worlds started in the current test: closed after it (see `eachTestAt`). */
const open = new Set<World>();

/**
 * Runs each test of the file with the clock at `at`, and closes the worlds it started after it.
 * Only Date is faked: network and timers stay real, so release PR titles carry a known date and a
 * run's CPU on a loaded machine cannot make the Socket Mode client's pong check miss.
 */
export function eachTestAt(at: string): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(at));
  });
  afterEach(async () => {
    const worlds = [...open];
    open.clear();
    await Promise.all(worlds.map((w) => w.close()));
    vi.useRealTimers();
  });
}

/** A logger whose JSON lines are pushed to `lines`, for tests that read what was logged. */
export function loggerInto(lines: Array<Record<string, unknown>>, level: "debug" | "info" = "debug"): Logger {
  return createLogger({
    level,
    destination: new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  });
}

/**
 * A GitHub emulator with the bot's token and three people (alice and carol with public e-mails,
 * bob without), a Slack emulator with the same people, and the release bot running against both.
 */
export async function startWorld(config: (gh: GitHubEmulator) => Record<string, unknown>, options: TestBotOptions & { before?: (gh: GitHubEmulator) => void } = {}): Promise<World> {
  const gh = await GitHubEmulator.start();
  gh.addUser({ login: "release-bot", name: "Release Bot" });
  gh.addToken(TOKEN, { login: "release-bot" });
  gh.addUser({ login: "alice", name: "Alice", email: "alice@example.com" });
  gh.addUser({ login: "bob", name: "Bob" });
  gh.addUser({ login: "carol", name: "Carol", email: "carol@example.com" });
  options.before?.(gh);
  const slack = await SlackEmulator.start({ ackTimeoutMs: 1_000 });
  const users = {
    alice: slack.addUser({ name: "alice", email: "alice@example.com" }).id,
    bob: slack.addUser({ name: "bob", email: "bob@example.com" }).id,
    carol: slack.addUser({ name: "carol", email: "carol@example.com" }).id,
  };
  const { before: _before, ...botOptions } = options;
  let t: TestBot;
  try {
    t = await createTestBot(release, config(gh), { ...botOptions, slack });
  } catch (error) {
    await slack.close();
    await gh.close();
    throw error;
  }
  const world: World = {
    gh,
    slack,
    t,
    users,
    async close() {
      open.delete(world);
      await t.close();
      await slack.close();
      await gh.close();
    },
  };
  open.add(world);
  return world;
}

/** The usual config: one repository, develop into main, alice asked to review; overrides win. */
export function releaseConfig(gh: GitHubEmulator, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    github: { token: TOKEN, baseUrl: gh.url, maxRateLimitWaitSeconds: 2 },
    channel: CHANNEL,
    repositories: [{ repo: "acme/web", reviewers: ["alice"] }],
    ...overrides,
  };
}

/** A repository with `develop` branched from `main`. */
export function stagingRepo(gh: GitHubEmulator, fullName = "acme/web"): GitHubRepo {
  const repo = gh.createRepo(fullName);
  repo.createBranch("develop", "main");
  return repo;
}

/** The open release PRs (develop into main) of a repository. */
export function releasePulls(repo: GitHubRepo) {
  return repo.pulls().filter((p) => p.head === "develop" && p.base === "main");
}

/** Log lines at `level` or above (pino levels: 30 info, 40 warn, 50 error). */
export function logs(t: TestBot, level: number): Array<Record<string, unknown>> {
  return t.logs.filter((l) => (l.level as number) >= level);
}
