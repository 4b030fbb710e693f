import { Octokit } from "@octokit/rest";
import { GitHubEmulator } from "@botyard/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALREADY_EXISTS, NO_COMMITS, explain, isValidation } from "./errors.js";

const TOKEN = "ghp_errors_test_token";
let gh: GitHubEmulator;
let octokit: Octokit;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const failure = (call: Promise<unknown>) => call.then(() => Promise.reject(new Error("expected a failure")), (e: unknown) => e);

beforeAll(async () => {
  gh = await GitHubEmulator.start();
  gh.addToken(TOKEN, { login: "release-bot" });
  const repo = gh.createRepo("acme/web");
  repo.createBranch("develop", "main");
  octokit = new Octokit({ baseUrl: gh.url, auth: TOKEN, log: silent });
});
afterAll(() => gh.close());

describe("reading GitHub's answers", () => {
  it("recognises the 422s that are states, not errors", async () => {
    const none = await failure(octokit.pulls.create({ owner: "acme", repo: "web", head: "develop", base: "main", title: "Release" }));
    expect(isValidation(none, NO_COMMITS)).toBe(true);
    expect(isValidation(none, ALREADY_EXISTS)).toBe(false);

    gh.repo("acme/web").commit("develop", { message: "change" });
    await octokit.pulls.create({ owner: "acme", repo: "web", head: "develop", base: "main", title: "Release" });
    const exists = await failure(octokit.pulls.create({ owner: "acme", repo: "web", head: "develop", base: "main", title: "Release" }));
    expect(isValidation(exists, ALREADY_EXISTS)).toBe(true);
    expect(explain(exists, "acme/web")).toBe("acme/web: GitHub answered 422 (Validation Failed: A pull request already exists for acme:develop.).");
  });

  it("explains bad credentials and missing repositories in one line naming the repository", async () => {
    const bad = new Octokit({ baseUrl: gh.url, auth: "ghp_unknown_token", log: silent });
    expect(explain(await failure(bad.repos.get({ owner: "acme", repo: "web" })), "acme/web")).toMatch(/^acme\/web: GitHub rejected the token \(401 Bad credentials\)/);
    expect(explain(await failure(octokit.repos.get({ owner: "acme", repo: "nope" })), "acme/nope")).toMatch(/^acme\/nope: not found \(404\)/);
  });
});
