import { readFileSync } from "node:fs";
import type { GraphQLSchema } from "graphql";

/** What the emulator's GraphQL API is built on: GitHub's published schema and the reference implementation. */
export interface GitHubGraphQL {
  graphql: typeof import("graphql");
  schema: GraphQLSchema;
  /** `@octokit/graphql-schema`'s version, for the fidelity report. */
  version: string;
}

const KEY = Symbol.for("botyard:github-graphql-schema");

/**
 * GitHub's GraphQL schema (`@octokit/graphql-schema`, generated from GitHub's public schema) built
 * with `graphql`, loaded on the first GraphQL request and kept on `globalThis`: building it takes a
 * second, so every emulator of a process (and every copy of this module) shares one.
 */
export async function loadGitHubGraphQL(): Promise<GitHubGraphQL> {
  const holder = globalThis as unknown as Record<symbol, Promise<GitHubGraphQL> | undefined>;
  holder[KEY] ??= build().catch((error: unknown) => {
    holder[KEY] = undefined;
    throw error;
  });
  return holder[KEY];
}

async function build(): Promise<GitHubGraphQL> {
  let graphql: typeof import("graphql");
  let dir: URL;
  try {
    graphql = await import("graphql");
    // The package exports only its index (ESM); its schema files sit beside it.
    dir = new URL("./", import.meta.resolve("@octokit/graphql-schema"));
  } catch (error) {
    throw new Error(
      "The GitHub emulator's GraphQL API needs GitHub's published schema and the reference GraphQL implementation: " +
        "install `graphql` (16.x) and `@octokit/graphql-schema` beside @botyard/testing (npm install --save-dev graphql @octokit/graphql-schema).",
      { cause: error },
    );
  }
  const introspection = JSON.parse(readFileSync(new URL("schema.json", dir), "utf8")) as Parameters<typeof graphql.buildClientSchema>[0];
  const version = (JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { version: string }).version;
  const schema = graphql.buildClientSchema(introspection);
  // The first validation checks the whole schema (cached on it) and warms the validator: both here,
  // at load, rather than during a test's first query.
  graphql.validate(schema, graphql.parse("{ viewer { login } }"));
  return { graphql, schema, version };
}

/** The installed `@octokit/graphql-schema` version without building the schema (undefined when not installed). */
export function graphQLSchemaVersion(): string | undefined {
  try {
    const dir = new URL("./", import.meta.resolve("@octokit/graphql-schema"));
    return (JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { version: string }).version;
  } catch {
    return undefined;
  }
}
