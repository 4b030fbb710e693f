import { createContainer, createLogger, MemoryStore, namespaced, validateAgainst, Type } from "@botyard/core";
import { Cron } from "../../packages/core/node_modules/croner/dist/croner.js";
import hello from "../../examples/hello-plugin/dist/index.js";
import { createWriteStream } from "node:fs";
const logger = createLogger({ level: "info", destination: createWriteStream("/dev/null") });
const keep = [];
async function measure(name, make) {
  global.gc(); const h0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < 200; i++) keep.push(make(i));
  global.gc(); console.log(name.padEnd(14), ((process.memoryUsage().heapUsed - h0) / 200 / 1024).toFixed(1), "KB each");
}
const root = createContainer();
await measure("container", () => root.createChild());
await measure("logger.child", (i) => logger.child({ bot: `b${i}`, plugin: "hello" }));
await measure("cron", () => new Cron("0 0 * * * *", { paused: true }, () => {}));
await measure("namespaced", (i) => namespaced(new MemoryStore(), `bot/${i}`));
await measure("validate", (i) => validateAgainst(hello.config, { channel: `C${i}` }));
