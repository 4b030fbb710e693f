import type { StoreBackend } from "@botyard/core";

/**
 * The store the engine is built with before the real backend is open. Opening a backend has
 * effects a refused config must not have (SQLite creates and locks `.botyard/state.db`; Redis
 * needs the server up), so the host loads plugins and checks every bot first, with this in the
 * engine's hands, and opens the backend only once the config is known good. Loading bots never
 * calls the store: a call before `open` is a bug in the host, and throws.
 */
export class StoreOpenedLater {
  private target: StoreBackend | undefined;
  readonly store: StoreBackend;

  constructor(kind: string) {
    const beforeOpen = (op: string) => () => Promise.reject(new Error(`store.${op} called before the store was opened`));
    // Each operation resolves to the backend's own method once the store is open: every store call
    // of every run goes through here, so it must not add a layer of its own.
    const methods = new Map<string, unknown>();
    this.store = new Proxy({} as StoreBackend, {
      get: (_, prop) => {
        if (prop === "kind") return this.target?.kind ?? kind;
        // Not a thenable: `await` on it must not mistake it for a promise.
        if (prop === "then" || typeof prop !== "string") return undefined;
        let method = methods.get(prop);
        if (method === undefined) {
          const target = this.target;
          if (!target) return beforeOpen(prop);
          const own = target[prop as keyof StoreBackend];
          method = typeof own === "function" ? (own as (...a: unknown[]) => unknown).bind(target) : own;
          methods.set(prop, method);
        }
        return method;
      },
    });
  }

  open(target: StoreBackend): void {
    this.target = target;
  }
}
