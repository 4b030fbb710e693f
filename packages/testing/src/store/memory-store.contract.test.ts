import { MemoryStore } from "@botyard/core";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("memory", async () => new MemoryStore());

// The same suite on a manual clock: checks that MemoryStore reads only the clock it is given, and
// shows third-party authors how the `clock` option is meant to be used.
let now = Date.parse("2030-01-01T00:00:00Z");
describeStoreContract("memory (manual clock)", async () => new MemoryStore(() => now), {
  clock: {
    sleep: async (ms) => {
      now += ms;
    },
  },
});
