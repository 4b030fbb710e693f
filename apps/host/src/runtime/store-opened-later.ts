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
    const forward = (op: string) => (...args: unknown[]) => {
      if (!this.target) return Promise.reject(new Error(`store.${op} called before the store was opened`));
      return (this.target[op as keyof StoreBackend] as (...a: unknown[]) => Promise<unknown>).apply(this.target, args);
    };
    const methods = new Map<string | symbol, unknown>();
    this.store = new Proxy({} as StoreBackend, {
      get: (_, prop) => {
        if (prop === "kind") return this.target?.kind ?? kind;
        // Not a thenable: `await` on it must not mistake it for a promise.
        if (prop === "then" || typeof prop !== "string") return undefined;
        if (!methods.has(prop)) methods.set(prop, forward(prop));
        return methods.get(prop);
      },
    });
  }

  open(target: StoreBackend): void {
    this.target = target;
  }
}
