export {
  GitHubEmulator,
  type GitHubEmulatorOptions,
  type GitHubRateLimitInit,
  type GitHubTokenInit,
} from "./github-emulator.js";
export {
  GitHubRepo,
  GitHubValidationError,
  GitHubWorld,
  type CommitFileInit,
  type CommitOptions,
  type CommitRecord,
  type Comparison,
  type CreateRepoOptions,
  type FeatureMergeOptions,
  type FeatureMergeResult,
  type GitHubTeam,
  type GitHubTeamInit,
  type GitHubUser,
  type GitHubUserInit,
  type MergeMethod,
  type OpenPullRequestInit,
  type PullSnapshot,
} from "./repo-model.js";
export { type GitHubLostAnswerInit } from "./github-emulator.js";
export { GRAPHQL_OPERATION } from "./graphql-conformance.js";
