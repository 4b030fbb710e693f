import { Type, defineStore, type Static } from "@botyard/core";
import { RedisStore } from "./redis-store.js";

/** The settings under `store:` in bots.yaml (beside `type: redis`, or `use: "@botyard/store-redis"`). */
export const RedisStoreConfig = Type.Object(
  {
    url: Type.String({ description: "redis://[user:password@]host:port[/db]. Reference it from the environment: \"${REDIS_URL}\"." }),
    prefix: Type.Optional(Type.String({ default: "botyard:", description: "Prefix of every key, so several deployments can share one Redis." })),
  },
  { additionalProperties: false },
);
export type RedisStoreConfig = Static<typeof RedisStoreConfig>;

/** The Redis store as bots.yaml names it: for several replicas sharing state. */
export const redisStore = defineStore({
  name: "redis",
  description: "Redis, shared by several host replicas.",
  config: RedisStoreConfig,
  open: (config, { logger }) => RedisStore.connect({ url: config.url, prefix: config.prefix ?? "botyard:", logger }),
});
