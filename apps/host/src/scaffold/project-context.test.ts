import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectContext } from "./project-context.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function project(manifest: object): string {
  dir = mkdtempSync(join(tmpdir(), "botyard-project-"));
  const app = join(dir, "my-bots");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify(manifest));
  return app;
}

describe("the project botyard new plugin runs in", () => {
  it("installed from tarballs: the plugin's dev dependencies are the same tarballs, from the plugin's folder", () => {
    const app = project({
      dependencies: {
        "@botyard/core": "file:../botyard/dist-tarballs/botyard-core-0.1.0.tgz",
        "@botyard/host": "file:../botyard/dist-tarballs/botyard-host-0.1.0.tgz",
        "@botyard/testing": "file:../botyard/dist-tarballs/botyard-testing-0.1.0.tgz",
      },
      workspaces: ["botyard-plugin-other"],
    });
    expect(projectContext(app, join(app, "botyard-plugin-standup"))).toEqual({
      dir: app,
      hasHost: true,
      workspaces: 1,
      tarballs: { core: "file:../../botyard/dist-tarballs/botyard-core-0.1.0.tgz", testing: "file:../../botyard/dist-tarballs/botyard-testing-0.1.0.tgz" },
    });
    // A plugin written elsewhere (--out) still finds them.
    expect(projectContext(app, join(dir, "elsewhere", "botyard-plugin-standup")).tarballs.core).toBe("file:../../botyard/dist-tarballs/botyard-core-0.1.0.tgz");
  });

  it("installed from the registry: version ranges, nothing to rewrite", () => {
    const app = project({ dependencies: { "@botyard/host": "^0.1.0", "@botyard/core": "^0.1.0" } });
    expect(projectContext(join(app), join(app, "botyard-plugin-standup"))).toEqual({ dir: app, hasHost: true, workspaces: 0, tarballs: {} });
  });

  it("no project, or an unreadable package.json: a standalone plugin", () => {
    const app = project({});
    writeFileSync(join(app, "package.json"), "{ not json");
    expect(projectContext(app, join(app, "p"))).toEqual({ dir: app, hasHost: false, workspaces: 0, tarballs: {} });
    expect(projectContext("/", "/p")).toEqual({ hasHost: false, workspaces: 0, tarballs: {} });
  });
});
