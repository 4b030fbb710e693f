/**
 * A DI token: a global symbol (`Symbol.for("botyard:<name>")`), so that two copies of core, or a
 * plugin and the host, agree on it without sharing an object. `T` is only carried for typing.
 */
export type Token<T> = symbol & { readonly __botyardToken?: T };

export function token<T>(name: string): Token<T> {
  return Symbol.for(`botyard:${name}`) as Token<T>;
}
