import { Type, type Static } from "@botyard/core";

const Logins = (description: string) => Type.Array(Type.String({ minLength: 1 }), { default: [], description });

export const DEFAULT_BODY = `Release of **{{head}}** into **{{base}}**: {{count}} pull requests.

## Pull requests
{{{prs}}}

## Checklist
- [ ] Verified on staging
- [ ] Release notes written

## Notes
<!-- keep: notes -->
<!-- Write here: this section and ticked boxes are kept when the bot updates this pull request. -->
<!-- /keep: notes -->

[Full comparison {{base}}...{{head}}]({{{compareUrl}}})`;

export const RepositoryConfig = Type.Object(
  {
    repo: Type.String({
      pattern: "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
      description: 'The repository, as "owner/name".',
    }),
    name: Type.Optional(
      Type.String({
        pattern: "^[A-Za-z0-9_.-]+$",
        description: "Short name people use in Slack (`/release web`). Defaults to the repository's name.",
      }),
    ),
    head: Type.String({ default: "develop", minLength: 1, description: "Branch the work is merged into (staging); the release PR's head." }),
    base: Type.String({ default: "main", minLength: 1, description: "Branch a release is merged into (production); the release PR's base." }),
    channel: Type.Optional(Type.String({ description: "Slack channel id for this repository's announcements and reminders; the bot's `channel` when absent." })),
    reviewers: Logins("GitHub logins whose review is requested on a new release PR."),
    teamReviewers: Logins("Team slugs (of the repository's organisation) whose review is requested on a new release PR."),
    labels: Logins("Labels added to a new release PR."),
    assignees: Logins("GitHub logins assigned to a new release PR."),
    draft: Type.Boolean({ default: false, description: "Open release PRs as drafts (reminders wait until the PR is ready for review)." }),
    requestAuthorReviews: Type.Boolean({
      default: false,
      description: "Request a review of the release PR from the authors of the PRs it lists, as they are added (git-pr-release's `request-pr-author-review`).",
    }),
    assignAuthors: Type.Boolean({
      default: false,
      description: "Assign the release PR to the authors of the PRs it lists, as they are added (git-pr-release's `assign-pr-author`).",
    }),
    mentionAuthors: Type.Boolean({
      default: false,
      description: "Mention the authors of newly listed PRs in the release PR's Slack thread, asking them to verify their change on staging.",
    }),
  },
  { additionalProperties: false },
);

export const ReleaseConfig = Type.Object(
  {
    github: Type.Object(
      {
        token: Type.String({
          minLength: 1,
          description: "GitHub token (write `${GITHUB_TOKEN}` in bots.yaml). Scopes: `repo` (or `public_repo`), plus `read:org` when `expandTeams` is on.",
        }),
        baseUrl: Type.String({
          default: "https://api.github.com",
          pattern: "^https?://",
          description: "REST API root: `https://HOST/api/v3` for GitHub Enterprise Server.",
        }),
        maxRateLimitWaitSeconds: Type.Number({
          default: 300,
          minimum: 0,
          description: "Longest wait for a GitHub rate limit to lift before a call is retried; a longer one fails the repository's run.",
        }),
        maxRetries: Type.Integer({ default: 3, minimum: 0, description: "How many times one call is retried after a rate limit, a server error (5xx) or a timeout." }),
        timeoutSeconds: Type.Number({
          default: 30,
          exclusiveMinimum: 0,
          description: "Longest wait for one GitHub answer; a call that takes longer is retried (see `maxRetries`).",
        }),
      },
      { additionalProperties: false, description: "How to reach GitHub." },
    ),
    channel: Type.String({ description: "Slack channel id where release PRs are announced and reviewers reminded." }),
    repositories: Type.Array(RepositoryConfig, { minItems: 1, description: "The repositories this bot makes release PRs for." }),
    schedule: Type.Union([Type.String(), Type.Literal(false)], {
      default: "0 10,15 * * 1-5",
      description: "Cron pattern for opening or updating release PRs (every workday at 10:00 and 15:00 by default); `false` for on-demand only.",
    }),
    remindSchedule: Type.Union([Type.String(), Type.Literal(false)], {
      default: "0 11,14,16 * * 1-5",
      description: "Cron pattern for reviewer reminders and merge announcements; `false` turns reminders off.",
    }),
    timezone: Type.String({ default: "UTC", description: "IANA zone both schedules and the `{{date}}` in titles are read in." }),
    requiredApprovals: Type.Integer({ default: 1, minimum: 1, description: "Approvals after which reminders stop." }),
    title: Type.String({ default: "Release {{date}}", minLength: 1, description: "Title of release PRs. Placeholders: {{date}}, {{repo}}, {{head}}, {{base}}, {{count}}." }),
    body: Type.String({
      default: DEFAULT_BODY,
      description:
        "Body of release PRs (Markdown). Placeholders: {{{prs}}} (the list), {{{compareUrl}}}, {{date}}, {{repo}}, {{head}}, {{base}}, {{count}}. Text between `<!-- keep: NAME -->` and `<!-- /keep: NAME -->` survives updates.",
    }),
    prLine: Type.String({
      default: "- [ ] #{{number}} {{title}} (@{{author}})",
      description: "One line of the PR list. Placeholders: {{number}}, {{title}}, {{author}}, {{{url}}}, {{mergedAt}}.",
    }),
    slackUsers: Type.Record(Type.String(), Type.String({ pattern: "^[UW][A-Z0-9]+$" }), {
      default: {},
      description: "GitHub login to Slack user id. Logins not listed are looked up by their public GitHub e-mail (`users.lookupByEmail`).",
    }),
    slackGroups: Type.Record(Type.String(), Type.String({ pattern: "^S[A-Z0-9]+$" }), {
      default: {},
      description: "GitHub team slug to Slack user group id, mentioned when a team's review is pending.",
    }),
    expandTeams: Type.Boolean({
      default: false,
      description: "Remind each member of a requested team not mapped in `slackGroups` (needs `read:org` on the token).",
    }),
    command: Type.Union([Type.String({ pattern: "^/[\\w-]+$" }), Type.Literal(false)], {
      default: "/release",
      description: "Slash command (`/release web`, `/release status`); `false` for none. Exclusive across bots.",
    }),
    mention: Type.Union([Type.String({ pattern: "^[\\w-]+$" }), Type.Literal(false)], {
      default: "release",
      description: "Mention keyword (`@bot release web`); `false` for none. Exclusive across bots.",
    }),
    allow: Type.Object(
      {
        users: Type.Array(Type.String(), { default: [], description: "Slack user ids allowed to start a release." }),
        usergroups: Type.Array(Type.String(), { default: [], description: "Slack user group ids whose members may start a release." }),
        channels: Type.Array(Type.String(), { default: [], description: "Channel ids where releases may be started." }),
      },
      {
        additionalProperties: false,
        default: {},
        description: "Who may start a release from Slack (anyone, anywhere, when all lists are empty). `status` is open to all.",
      },
    ),
    dryRun: Type.Boolean({
      default: false,
      description: "Rehearsal: read GitHub, change nothing there, and post to Slack what would be done (without pinging anyone).",
    }),
  },
  { additionalProperties: false },
);

export type ReleaseConfig = Static<typeof ReleaseConfig>;
export type RepositoryConfig = Static<typeof RepositoryConfig>;
