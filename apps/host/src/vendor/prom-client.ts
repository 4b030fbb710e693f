// prom-client, bundled into one file by the build (scripts/bundle.mjs) to save resolving and
// compiling its modules at every start. Each package inside is a host dependency at the bundled version.
export { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
