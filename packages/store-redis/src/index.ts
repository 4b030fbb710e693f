// @botyard/store-redis: the Redis store, for several host replicas sharing state.
export { redisStore as default, redisStore, RedisStoreConfig } from "./store-factory.js";
export { RedisStore } from "./redis-store.js";
export type { RedisStoreOptions } from "./redis-store.js";
