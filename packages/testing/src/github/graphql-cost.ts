// GitHub's limits on a GraphQL query, from the query alone: `first`/`last` on every connection, the
// node limit and the point cost (https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api).
import type { DocumentNode, GraphQLField, GraphQLNamedType, OperationDefinitionNode, SelectionSetNode } from "graphql";
import type { GitHubGraphQL } from "./graphql-schema.js";

export interface Measured {
  /** GitHub's "requests": for each connection, how many times it is fetched (the product of the limits above it). */
  requests: number;
  nodes: number;
  errors: Array<{ type: string; message: string; path: string[] }>;
}

/**
 * GitHub's node limit and point cost, from the query alone: every connection must say `first` or
 * `last` (1 to 100); each connection is assumed to return its full limit, so a connection inside
 * another is fetched once per node of the outer one.
 */
export function measure(lib: GitHubGraphQL, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): Measured {
  const { graphql, schema } = lib;
  const out: Measured = { requests: 0, nodes: 0, errors: [] };
  const fragments = new Map(document.definitions.filter((d) => d.kind === graphql.Kind.FRAGMENT_DEFINITION).map((d) => [(d as { name: { value: string } }).name.value, d as { selectionSet: SelectionSetNode; typeCondition: { name: { value: string } } }]));
  const walk = (type: GraphQLNamedType, selections: SelectionSetNode, multiplier: number, path: string[]) => {
    for (const selection of selections.selections) {
      if (selection.kind === graphql.Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (on) walk(on, selection.selectionSet, multiplier, path);
        continue;
      }
      if (selection.kind === graphql.Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const on = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && on) walk(on, fragment.selectionSet, multiplier, path);
        continue;
      }
      if (!selection.selectionSet || !("getFields" in type)) continue;
      const field = (type.getFields() as Record<string, GraphQLField<unknown, unknown>>)[selection.name.value];
      if (!field) continue;
      const named = graphql.getNamedType(field.type);
      const here = [...path, selection.alias?.value ?? selection.name.value];
      let next = multiplier;
      if (named.name.endsWith("Connection") && field.args.some((a) => a.name === "first")) {
        const args = graphql.getArgumentValues(field, selection, variables) as { first?: number; last?: number };
        const limit = args.first ?? args.last;
        if (limit === undefined || limit === null) {
          out.errors.push({ type: "MISSING_PAGINATION_BOUNDARIES", path: here, message: `You must provide a \`first\` or \`last\` value to properly paginate the \`${field.name}\` connection.` });
          continue;
        }
        if (limit < 0 || limit > 100) {
          const which = args.first !== undefined ? "first" : "last";
          out.errors.push({ type: "EXCESSIVE_PAGINATION", path: here, message: `Requesting ${limit} records on the \`${field.name}\` connection exceeds the \`${which}\` limit of 100 records.` });
          continue;
        }
        out.requests += multiplier;
        next = multiplier * limit;
        out.nodes += next;
      }
      walk(named, selection.selectionSet, next, here);
    }
  };
  const root = operation.operation === "query" ? schema.getQueryType() : schema.getMutationType();
  if (root) walk(root, operation.selectionSet, 1, []);
  return out;
}
