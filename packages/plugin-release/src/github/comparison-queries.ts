import type { RepoTarget } from "../release/repo-target.js";
import type { GitHub } from "./client.js";

/** A pull request a commit is associated with, as GraphQL's `associatedPullRequests` names it. */
export interface AssociatedPull {
  number: number;
  title: string;
  url: string;
  mergedAt: string | null;
  baseRefName: string;
  headRefName: string;
  author: { login: string } | null;
}

export interface CommitNode {
  oid: string;
  parents: { nodes: Array<{ oid: string }> };
  associatedPullRequests: { pageInfo: { hasNextPage: boolean }; nodes: AssociatedPull[] };
}

/** A merged release PR (head into base), newest first: the squash-released check walks from its head commit. */
export interface MergedRelease {
  number: number;
  url: string;
  headRefOid: string;
  isCrossRepository: boolean;
}

interface ReleasesConnection {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: MergedRelease[];
}

// `first: 10` associated PRs: a commit not yet on the default branch is associated with every PR
// that carries it (its feature PR, release PRs, open PRs); oldest first, the feature PR leads.
const COMMIT_FIELDS = `oid
  parents(first: 5) { nodes { oid } }
  associatedPullRequests(first: 10, orderBy: { field: CREATED_AT, direction: ASC }) {
    pageInfo { hasNextPage }
    nodes { number title url mergedAt baseRefName headRefName author { login } }
  }`;

const RELEASES = `releases: pullRequests(headRefName: $head, baseRefName: $base, states: [MERGED], first: 20, after: $releasesAfter, orderBy: { field: CREATED_AT, direction: DESC }) {
    pageInfo { hasNextPage endCursor }
    nodes { number url headRefOid isCrossRepository }
  }`;

export interface ComparisonPage {
  baseOid: string;
  headOid: string | undefined;
  aheadBy: number;
  commits: CommitNode[];
  next: string | null;
  releases: ReleasesConnection | undefined;
}

/**
 * One page (100 commits) of `base...head` with each commit's parents and associated pull requests:
 * GitHub's GraphQL `Ref.compare`. The first page also brings the branch tips and the merged release
 * PRs, so a first run costs one query per 100 commits and nothing more.
 */
export async function comparisonPage(gh: GitHub, target: RepoTarget, after: string | null): Promise<ComparisonPage | undefined> {
  const first = after === null;
  // Only the variables a query uses may be declared (GraphQL refuses unused ones).
  const query = `query($owner: String!, $name: String!, $baseRef: String!, $head: String!, $after: String${first ? ", $headRef: String!, $base: String!, $releasesAfter: String" : ""}) {
  repository(owner: $owner, name: $name) {
    baseRef: ref(qualifiedName: $baseRef) {
      target { oid }
      compare(headRef: $head) {
        aheadBy
        commits(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${COMMIT_FIELDS} } }
      }
    }
    ${first ? `headRef: ref(qualifiedName: $headRef) { target { oid } }\n    ${RELEASES}` : ""}
  }
}`;
  const data = await gh.graphql<{
    repository: {
      baseRef: { target: { oid: string }; compare: { aheadBy: number; commits: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: CommitNode[] } } | null } | null;
      headRef?: { target: { oid: string } } | null;
      releases?: ReleasesConnection;
    };
  }>(query, {
    owner: target.owner,
    name: target.name,
    baseRef: `refs/heads/${target.base}`,
    head: target.head,
    after,
    ...(first ? { headRef: `refs/heads/${target.head}`, base: target.base, releasesAfter: null } : {}),
  });
  const { baseRef, headRef, releases } = data.repository;
  if (!baseRef?.compare) return undefined;
  const { commits } = baseRef.compare;
  return {
    baseOid: baseRef.target.oid,
    headOid: headRef?.target.oid,
    aheadBy: baseRef.compare.aheadBy,
    commits: commits.nodes,
    next: commits.pageInfo.hasNextPage ? commits.pageInfo.endCursor : null,
    releases,
  };
}

/**
 * The parents and associated PRs of known commits (up to 100 per query, by alias), and with
 * `withReleases` the merged release PRs too: what an incremental run asks about the commits that
 * are new since the last one.
 */
export async function commitsByOid(gh: GitHub, target: RepoTarget, oids: string[], withReleases: boolean): Promise<{ commits: CommitNode[]; releases: ReleasesConnection | undefined }> {
  const commits: CommitNode[] = [];
  let releases: ReleasesConnection | undefined;
  for (let i = 0; i < oids.length || (withReleases && releases === undefined); i += 100) {
    const chunk = oids.slice(i, i + 100);
    const ask = withReleases && releases === undefined;
    // Object ids are 40 hex digits (checked): safe to write into the query as aliases' arguments.
    const aliases = chunk.map((oid, j) => {
      if (!/^[0-9a-f]{40}$/.test(oid)) throw new Error(`not a commit id: ${oid}`);
      return `c${j}: object(oid: "${oid}") { ... on Commit { ${COMMIT_FIELDS} } }`;
    });
    const query = `query($owner: String!, $name: String!${ask ? ", $head: String!, $base: String!, $releasesAfter: String" : ""}) {
  repository(owner: $owner, name: $name) {
    ${aliases.join("\n    ")}
    ${ask ? RELEASES : ""}
  }
}`;
    const vars: Record<string, unknown> = { owner: target.owner, name: target.name };
    if (ask) Object.assign(vars, { head: target.head, base: target.base, releasesAfter: null });
    const data = await gh.graphql<{ repository: Record<string, CommitNode | ReleasesConnection | null> }>(query, vars);
    for (let j = 0; j < chunk.length; j++) {
      const node = data.repository[`c${j}`] as CommitNode | null;
      if (node) commits.push(node);
    }
    if (ask) releases = data.repository.releases as ReleasesConnection;
  }
  return { commits, releases };
}

/** More merged release PRs, after the first 20 (a long run of squash-merged releases). */
export async function moreReleases(gh: GitHub, target: RepoTarget, after: string): Promise<ReleasesConnection> {
  const query = `query($owner: String!, $name: String!, $head: String!, $base: String!, $releasesAfter: String) {
  repository(owner: $owner, name: $name) { ${RELEASES} }
}`;
  const data = await gh.graphql<{ repository: { releases: ReleasesConnection } }>(query, { owner: target.owner, name: target.name, head: target.head, base: target.base, releasesAfter: after });
  return data.repository.releases;
}

/** All the associated PRs of one commit, when its first 10 were not all of them. */
export async function allPullsOf(gh: GitHub, target: RepoTarget, oid: string): Promise<AssociatedPull[]> {
  const out: AssociatedPull[] = [];
  let after: string | null = null;
  do {
    const data: { repository: { object: { associatedPullRequests: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: AssociatedPull[] } } | null } } = await gh.graphql(
      `query($owner: String!, $name: String!, $oid: GitObjectID!, $after: String) {
  repository(owner: $owner, name: $name) {
    object(oid: $oid) { ... on Commit { associatedPullRequests(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { number title url mergedAt baseRefName headRefName author { login } } } } }
  }
}`,
      { owner: target.owner, name: target.name, oid, after },
    );
    const connection = data.repository.object?.associatedPullRequests;
    if (!connection) break;
    out.push(...connection.nodes);
    after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
  } while (after);
  return out;
}
