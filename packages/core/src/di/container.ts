import "reflect-metadata";
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from "tsyringe";
import { BotyardError, ErrorCodes } from "../errors/botyard-error.js";
import { Tokens } from "./builtin-tokens.js";
import { systemClock } from "./clock.js";
import type { Token } from "./tokens.js";

/**
 * What plugin authors see of dependency injection: tokens in, services out. tsyringe stays behind
 * this interface, so authors need neither decorators nor `reflect-metadata`.
 */
export interface Container {
  resolve<T>(token: Token<T>): T;
  isRegistered(token: Token<unknown>): boolean;
  /** A value, or a factory called once (on first resolve) per container. */
  register<T>(token: Token<T>, provider: Provider<T>): void;
  createChild(): Container;
}

export type Provider<T> = { useValue: T } | { useFactory: (container: Container) => T };

class TsyringeContainer implements Container {
  constructor(private readonly inner: DependencyContainer) {}

  resolve<T>(token: Token<T>): T {
    if (!this.inner.isRegistered(token, true)) {
      throw new BotyardError(ErrorCodes.SERVICE_NOT_FOUND, `No service is registered for ${token.description ?? String(token)}.`, {
        hint: "Register it in setup with bot.provide(token, factory), or check the token name.",
      });
    }
    return this.inner.resolve<T>(token);
  }

  isRegistered(token: Token<unknown>): boolean {
    return this.inner.isRegistered(token, true);
  }

  register<T>(token: Token<T>, provider: Provider<T>): void {
    if ("useValue" in provider) {
      this.inner.register(token, { useValue: provider.useValue });
    } else {
      const factory = provider.useFactory;
      this.inner.register(token, { useFactory: instanceCachingFactory<T>((c) => factory(new TsyringeContainer(c))) });
    }
  }

  createChild(): Container {
    return new TsyringeContainer(this.inner.createChildContainer());
  }
}

/**
 * A fresh root container (one per host or test bot, so tests never share state), holding the
 * services every bot may resolve unless replaced: the system clock. Each bot's container is a
 * child of it, so what is registered here before the bots load (a fake clock, a fake client)
 * replaces what their plugins `bot.provide`.
 */
export function createContainer(): Container {
  const container = new TsyringeContainer(rootContainer.createChildContainer());
  container.register(Tokens.Clock, { useValue: systemClock });
  return container;
}
