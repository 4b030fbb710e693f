import type { EmulatorRequest } from "../emulator/http-emulator.js";
import { type ConformanceChecker, type Exchange, safely, violation } from "../conformance/exchange.js";
import type { AnswerRule } from "../conformance/openapi-conformance.js";
import { noteValidated } from "../conformance/registry.js";
import type { GraphQLOutcome } from "./graphql-api.js";

/** How GraphQL requests are named in the call record and the conformance registry. */
export const GRAPHQL_OPERATION = "POST /graphql";

/**
 * Conformance of the GraphQL exchanges, counted as for REST: a query that does not validate against
 * GitHub's published schema (a field GitHub does not have, a wrong argument or variable type) is a
 * request violation, and a field GitHub has but the emulator does not answer is a coverage
 * violation; either fails the test that sent the query. Answers are produced by the reference
 * implementation executing against that same schema, so their shape conforms by construction; the
 * answer rules (rate-limit headers) are checked as for REST.
 */
export class GraphQLConformance implements ConformanceChecker {
  constructor(
    private readonly outcomeOf: (request: EmulatorRequest) => GraphQLOutcome | undefined,
    private readonly rules: readonly AnswerRule[],
  ) {}

  check(exchange: Exchange): void {
    safely("github", GRAPHQL_OPERATION, () => this.checkExchange(exchange));
  }

  private checkExchange(exchange: Exchange): void {
    if (exchange.status === 0) return;
    let broken = false;
    for (const rule of this.rules) {
      const found = rule(exchange);
      if (found) {
        broken = true;
        violation("github", GRAPHQL_OPERATION, "response", found.message, found.errors, exchange.status);
      }
    }
    const outcome = exchange.injected ? undefined : this.outcomeOf(exchange.request);
    if (outcome?.invalid.length) {
      violation("github", GRAPHQL_OPERATION, "request", "the query does not validate against GitHub's GraphQL schema (@octokit/graphql-schema)", outcome.invalid);
    } else if (outcome?.unimplemented.length) {
      violation("github", GRAPHQL_OPERATION, "coverage", "the GitHub emulator does not answer these GraphQL fields: a test (or the code it runs) asked for data the emulator cannot give faithfully", [...new Set(outcome.unimplemented)]);
    } else if (outcome) {
      noteValidated("github", GRAPHQL_OPERATION, { request: true });
    }
    if (!broken) noteValidated("github", GRAPHQL_OPERATION, { response: String(exchange.status) });
  }
}
