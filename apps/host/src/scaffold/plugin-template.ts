/** The files of a new plugin package, as `botyard new plugin <name>` writes them. */
export function pluginFiles(o: {
  name: string;
  packageName: string;
  /** The @botyard/core versions the plugin supports (its peer dependency and `core:`). */
  coreRange: string;
  /** Where its dev dependencies come from: the same ranges, or the tarballs the project installed. */
  coreDev: string;
  testingDev: string;
  command: string;
  keyword: string;
}): Record<string, string> {
  const pkg = {
    name: o.packageName,
    version: "0.1.0",
    description: `A Botyard plugin: ${o.name}.`,
    keywords: ["botyard-plugin", "botyard", "slack"],
    license: "MIT",
    type: "module",
    exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
    files: ["dist", "!dist/**/*.test.*"],
    engines: { node: ">=20.10" },
    scripts: { build: "tsc -p tsconfig.json", test: "vitest run", prepublishOnly: "npm run build" },
    peerDependencies: { "@botyard/core": o.coreRange },
    devDependencies: {
      "@botyard/core": o.coreDev,
      "@botyard/testing": o.testingDev,
      "@types/node": "^20.19.0",
      typescript: "5.9.3",
      vitest: "4.1.12",
    },
  };
  return {
    "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          declaration: true,
          outDir: "dist",
          rootDir: "src",
          skipLibCheck: true,
          types: ["node"],
        },
        include: ["src"],
        exclude: ["src/**/*.test.ts"],
      },
      null,
      2,
    )}\n`,
    ".gitignore": "node_modules/\ndist/\n.botyard/\n",
    "vitest.config.ts": `import { defineConfig } from "vitest/config";

// Conformance mode: the Slack, GitHub and PagerDuty emulators check every request this plugin
// makes, and every answer they give, against the providers' published API descriptions; a test
// that causes a violation fails, and the run ends with what it validated.
export default defineConfig({
  test: {
    env: { BOTYARD_CONFORMANCE: "1" },
    setupFiles: ["@botyard/testing/vitest-setup"],
    globalSetup: ["@botyard/testing/vitest-global-setup"],
  },
});
`,
    "src/config.ts": `import { Type, type Static } from "@botyard/core";

/** The bot's settings under \`config:\` in bots.yaml. Types come from here; descriptions become the docs. */
export const Config = Type.Object(
  {
    channel: Type.String({ description: "Channel id the reminder is posted to (C0123...)." }),
    schedule: Type.String({ default: "0 0 10 * * 1-5", description: "When to post the reminder (cron, seconds allowed)." }),
    timezone: Type.String({ default: "UTC", description: "IANA timezone the schedule is read in." }),
    text: Type.String({ default: "Time for ${o.name}!", description: "What the reminder says." }),
    // A slash command and a mention keyword each belong to one bot of the host: read from the
    // config, they let this plugin back several bots (each with its own command and keyword).
    command: Type.String({ default: ${JSON.stringify(o.command)}, pattern: "^/[a-z0-9_-]+$", description: "Slash command answering how many reminders were posted; unique per bot across the host." }),
    keyword: Type.String({ default: ${JSON.stringify(o.keyword)}, pattern: "^[^\\\\s@<>]+$", description: "Mention keyword (@botyard ${o.keyword}) answering the same; unique per bot across the host." }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof Config>;
`,
    "src/index.ts": `import { definePlugin, type Store } from "@botyard/core";
import { Config } from "./config.js";

export { Config };

export default definePlugin({
  name: ${JSON.stringify(o.name)},
  core: ${JSON.stringify(o.coreRange)},
  config: Config,
  // The scopes of the Web API methods it calls (chat.postMessage); those of its triggers (the
  // command, the mention) follow from them. \`npx botyard manifest\` adds them all up.
  slack: { scopes: ["chat:write"] },
  setup(bot, config) {
    bot.schedule(config.schedule, { timezone: config.timezone }, async (ctx) => {
      const sent = ((await ctx.store.get<number>("sent")) ?? 0) + 1;
      await ctx.store.set("sent", sent);
      await ctx.slack.chat.postMessage({ channel: config.channel, text: config.text });
    });

    const summary = async (store: Store) => {
      const sent = (await store.get<number>("sent")) ?? 0;
      return \`I have posted \${sent} reminder\${sent === 1 ? "" : "s"} in <#\${config.channel}>.\`;
    };

    bot.command(config.command, { description: "How many reminders were posted" }, async (ctx) => {
      await ctx.respond(await summary(ctx.store));
    });

    bot.mention(config.keyword, async (ctx) => {
      await ctx.say(await summary(ctx.store));
    });
  },
});
`,
    "src/index.test.ts": `import { afterEach, describe, expect, it } from "vitest";
import { createTestBot, type TestBot } from "@botyard/testing";
import plugin from "./index.js";

let t: TestBot;
afterEach(() => t?.close());

describe(${JSON.stringify(o.name)}, () => {
  it("posts the reminder when its schedule fires", async () => {
    t = await createTestBot(plugin, { channel: "C0TEAMCHAT", text: "Standup in 5" });
    await t.fireSchedule();
    expect(t.slack.messages("C0TEAMCHAT").map((m) => m.text)).toEqual(["Standup in 5"]);
  });

  it("answers ${o.command} with how many reminders it posted", async () => {
    t = await createTestBot(plugin, { channel: "C0TEAMCHAT" });
    await t.fireSchedule();
    const { responseUrlId } = await t.command(${JSON.stringify(o.command)});
    expect(t.slack.responses(responseUrlId).map((r) => r.body.text)).toEqual(["I have posted 1 reminder in <#C0TEAMCHAT>."]);
  });

  it("answers its mention keyword in the channel it was mentioned in", async () => {
    t = await createTestBot(plugin, { channel: "C0TEAMCHAT" });
    await t.send(\`<@\${t.slack.botUserId}> ${o.keyword}\`);
    expect(t.slack.messages("C0TEAMCHAT").at(-1)?.text).toBe("I have posted 0 reminders in <#C0TEAMCHAT>.");
  });

  it("takes its command and keyword from the config, so that one plugin can back several bots", async () => {
    t = await createTestBot(plugin, { channel: "C0TEAMCHAT", command: "/${o.name}-ops", keyword: "${o.keyword}-ops" });
    const { responseUrlId } = await t.command("/${o.name}-ops");
    expect(t.slack.responses(responseUrlId).map((r) => r.body.text)).toEqual(["I have posted 0 reminders in <#C0TEAMCHAT>."]);
  });
});
`,
    "README.md": `# ${o.packageName}

A [Botyard](https://github.com/botyard/botyard) plugin: posts a reminder on a schedule, and
answers \`${o.command}\` and \`@botyard ${o.keyword}\` with how many it posted.

## Install

\`\`\`sh
npm install ${o.packageName}
\`\`\`

## bots.yaml

\`\`\`yaml
bots:
  - id: ${o.name}
    use: "${o.packageName}"
    config:
      channel: C0123456789
      schedule: "0 0 10 * * 1-5"
      timezone: Europe/Paris
\`\`\`

A slash command and a mention keyword answer one bot only, so a second bot of this plugin needs
its own: \`command: /${o.name}-ops\` and \`keyword: ${o.keyword}-ops\` under its \`config:\` (and the
command in the Slack app's manifest).

## Develop

\`\`\`sh
npm install
npm test        # runs against @botyard/testing's Slack emulator with the real Slack clients
npm run build
\`\`\`
`,
  };
}
