import { createTestBot, GitHubEmulator } from "@botyard/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import release, { ReleaseConfig } from "./index.js";
import { releaseConfig, startWorld, type World } from "./test-support/release-world.js";

let gh: GitHubEmulator;
let w: World | undefined;
beforeAll(async () => {
  gh = await GitHubEmulator.start();
});
afterAll(() => gh.close());
afterEach(async () => {
  await w?.close();
  w = undefined;
});

async function loadError(config: Record<string, unknown>): Promise<{ code?: string; message: string }> {
  const bot = await createTestBot(release, releaseConfig(gh, config)).then(
    async (t) => {
      await t.close();
      return undefined;
    },
    (error: unknown) => error as { code?: string; message: string },
  );
  if (!bot) throw new Error("expected the bot to fail to load");
  return bot;
}

describe("the release plugin's config", () => {
  it("registers both schedules in the configured zone, the slash command and the mention keyword", async () => {
    w = await startWorld((g) => releaseConfig(g, { timezone: "Europe/Paris" }));
    expect(w.t.status().triggers.map((t) => [t.name, t.description])).toEqual([
      ["release", 'cron "0 10,15 * * 1-5" (Europe/Paris)'],
      ["remind", 'cron "0 11,14,16 * * 1-5" (Europe/Paris)'],
      ["command:/release", "slash command /release"],
      ["mention:release", 'mention "release"'],
    ]);
  });

  it("can leave out each schedule, the command and the mention", async () => {
    w = await startWorld((g) => releaseConfig(g, { schedule: false, remindSchedule: "0 9 * * *", command: "/ship", mention: false }));
    expect(w.t.status().triggers.map((t) => t.name)).toEqual(["remind", "command:/ship"]);
  });

  it("names what is wrong in a bad config", async () => {
    const invalid = await loadError({ repositories: [{ repo: "web" }], github: { token: "" } });
    expect(invalid.code).toBe("BOTYARD_ERR_PLUGIN_CONFIG_INVALID");
    expect(invalid.message).toContain("config.repositories.0.repo");
    expect(invalid.message).toContain("config.github.token");

    const twice = await loadError({ repositories: [{ repo: "acme/web" }, { repo: "other/web" }] });
    expect(twice.code).toBe("BOTYARD_ERR_PLUGIN_SETUP_FAILED");
    expect(twice.message).toContain('repositories acme/web and other/web are both called "web" in Slack: give one of them a distinct `name`.');

    const reserved = await loadError({ repositories: [{ repo: "acme/status" }] });
    expect(reserved.message).toContain('repository acme/status is called "status", which is a command word');

    const zone = await loadError({ timezone: "Mars/Olympus" });
    expect(zone.message).toContain('timezone "Mars/Olympus" is not an IANA zone');
  });

  it("documents every field (the reference docs are generated from the schema)", () => {
    const missing: string[] = [];
    const walk = (schema: Record<string, unknown>, path: string) => {
      const properties = (schema.properties ?? (schema.items as Record<string, unknown> | undefined)?.properties) as Record<string, Record<string, unknown>> | undefined;
      for (const [name, field] of Object.entries(properties ?? {})) {
        if (typeof field.description !== "string" || field.description.length < 10) missing.push(`${path}${name}`);
        walk(field, `${path}${name}.`);
      }
    };
    walk(ReleaseConfig as unknown as Record<string, unknown>, "");
    expect(missing).toEqual([]);
  });
});
