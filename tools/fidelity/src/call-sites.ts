import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { loadSpec } from "@botyard/testing/fidelity-sources";

/** A Slack method, GitHub operation or PagerDuty path that Botyard's own code calls. */
export interface CallSite {
  provider: "slack" | "github" | "pagerduty";
  /** `chat.postMessage`, `POST /repos/{owner}/{repo}/pulls`, `GET /oncalls`. */
  operation: string;
  /** How it is written at the call site (`gh.pulls.create`, `"/oncalls"`). */
  written: string;
  file: string;
  line: number;
}

/** The source trees scanned: every package, the host and the examples; tests and test support excluded. */
export const SCANNED = ["packages", "apps/host/src", "examples"];

function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      if (name === "node_modules" || name === "dist" || name.startsWith(".") || name === "test-support") continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name) && !/\.(test|spec|e2e)\.tsx?$/.test(name) && !/\.test\.|\.d\.ts$/.test(name)) out.push(path);
    }
  };
  for (const top of SCANNED) {
    const base = join(root, top);
    if (top === "packages" || top === "examples") {
      for (const pkg of safeList(base)) {
        // The emulators themselves are not callers.
        if (top === "packages" && pkg === "testing") continue;
        walk(join(base, pkg, "src"));
      }
    } else walk(base);
  }
  return out.sort();
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function stripComments(code: string): string {
  // Keep line numbers: blank out comments character by character.
  return code.replace(/\/\*[\s\S]*?\*\/|(^|[^:"'`\\])\/\/[^\n]*/g, (m, lead: string | undefined) => {
    const keep = lead ?? "";
    return keep + m.slice(keep.length).replace(/[^\n]/g, " ");
  });
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** GitHub's operations by Octokit method name (`pulls.create`), from the operationIds of its OpenAPI description. */
function octokitMethods(): Map<string, string> {
  const map = new Map<string, string>();
  const paths = loadSpec("github-rest").doc.paths as Record<string, Record<string, { operationId?: string }>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [verb, op] of Object.entries(item)) {
      if (op && typeof op === "object" && typeof op.operationId === "string") map.set(op.operationId, `${verb.toUpperCase()} ${path}`);
    }
  }
  return map;
}

/**
 * Find the provider calls in Botyard's own (non-test) sources: Slack Web API methods called on a
 * WebClient (`slack.chat.postMessage(`, `.apiCall("...")`, and `apps.connections.open` wherever a
 * SocketModeClient is made), Octokit calls (`gh.pulls.create`, `octokit.rest.repos.get`,
 * `octokit.request("GET /path")`, `gh.graphql(...)` as `POST /graphql`), and PagerDuty REST paths
 * in PagerDuty clients.
 */
export function findCallSites(root: string): CallSite[] {
  const sites: CallSite[] = [];
  let octokit: Map<string, string> | undefined;
  for (const file of sourceFiles(root)) {
    const code = stripComments(readFileSync(file, "utf8"));
    const rel = relative(root, file);
    const lineOf = (index: number) => code.slice(0, index).split("\n").length;
    const push = (site: Omit<CallSite, "file" | "line">, index: number) => sites.push({ ...site, file: rel, line: lineOf(index) });

    for (const m of code.matchAll(/\bslack\.((?:[a-z]+)(?:\.[a-zA-Z]+)+)\s*\(/g)) push({ provider: "slack", operation: m[1]!, written: `slack.${m[1]}` }, m.index!);
    for (const m of code.matchAll(/\.apiCall\(\s*["'`]([a-z]+(?:\.[a-zA-Z]+)+)["'`]/g)) push({ provider: "slack", operation: m[1]!, written: `apiCall("${m[1]}")` }, m.index!);
    for (const m of code.matchAll(/\bnew\s+SocketModeClient\s*\(/g)) push({ provider: "slack", operation: "apps.connections.open", written: "new SocketModeClient()" }, m.index!);

    const ghCalls = [...code.matchAll(/\b(?:gh|octokit|github|rest)\.([a-z]+)\.([a-z][a-zA-Z]+)\b/g)];
    if (ghCalls.length) octokit ??= octokitMethods();
    for (const m of ghCalls) {
      const operation = octokit!.get(`${m[1]}/${kebab(m[2]!)}`);
      if (operation) push({ provider: "github", operation, written: `${m[1]}.${m[2]}` }, m.index!);
    }
    for (const m of code.matchAll(/\b(?:gh|octokit|github|rest)\.graphql\s*[<(]/g)) push({ provider: "github", operation: "POST /graphql", written: "graphql()" }, m.index!);
    for (const m of code.matchAll(/\.request\(\s*["'`](GET|POST|PUT|PATCH|DELETE) (\/[^"'`]*)["'`]/g)) {
      push({ provider: "github", operation: `${m[1]} ${m[2]}`, written: `request("${m[1]} ${m[2]}")` }, m.index!);
    }

    if (/pagerduty/i.test(rel)) {
      for (const m of code.matchAll(/["'`](\/(?:oncalls|users|schedules|escalation_policies|incidents|services|teams|log_entries|priorities|abilities)(?:\/[^"'`\s?]*)?)["'`]/g)) {
        const template = m[1]!.replace(/\$\{[^}]+\}/g, "{id}");
        push({ provider: "pagerduty", operation: `GET ${template}`, written: m[0] }, m.index!);
      }
    }
  }
  return sites;
}

/** Whether an implemented operation template (`GET /users/{id}`) covers a call (`GET /users/{user_id}`). */
export function templateCovers(implemented: string, called: string): boolean {
  const norm = (op: string) => op.replace(/\{[^}]+\}/g, "{}");
  return norm(implemented) === norm(called);
}
