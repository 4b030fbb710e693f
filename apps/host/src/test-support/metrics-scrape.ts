import type { InProcessHost } from "./in-process-host.js";

/** Every series of a /metrics scrape (`name{labels}`) with its value. */
export async function scrape(host: Pick<InProcessHost, "url">): Promise<Map<string, number>> {
  const text = await (await fetch(`${host.url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
