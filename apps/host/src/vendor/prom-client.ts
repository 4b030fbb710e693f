// prom-client, bundled into one file by the build (scripts/bundle-vendor.mjs) to save resolving
// and compiling its modules at every start.
export { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
