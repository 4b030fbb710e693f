import { validateAgainst, type Static } from "@botyard/core";
import { ReleaseConfig } from "../config.js";

type GitHubSettings = Static<typeof ReleaseConfig.properties.github>;

/** `github:` settings as `setup` gets them: what a test gives, with the schema's defaults filled in. */
export function githubSettings(given: Partial<GitHubSettings> & Pick<GitHubSettings, "token">): GitHubSettings {
  const result = validateAgainst<GitHubSettings>(ReleaseConfig.properties.github, given);
  if (!result.ok) throw new Error(`test github settings: ${JSON.stringify(result.issues)}`);
  return result.value;
}
