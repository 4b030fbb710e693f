import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RateLimitGate } from "./rate-limit-gate.js";

// The gate in front of a scripted fetch, on fake time: which request leaves when.
const API = "https://slack.com/api/";

function scripted(answer: (method: string) => Response) {
  const sent: Array<{ method: string; at: number }> = [];
  const fetchFn = async (url: string | URL) => {
    const method = String(url).slice(API.length);
    sent.push({ method, at: Date.now() });
    return answer(method);
  };
  return { sent, fetchFn };
}

const limited = (seconds: number) => new Response('{"ok":false,"error":"ratelimited"}', { status: 429, headers: { "retry-after": String(seconds) } });
const ok = () => new Response('{"ok":true}', { status: 200 });

describe("RateLimitGate", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("lets every request through at once while nothing is rate limited", async () => {
    const { sent, fetchFn } = scripted(ok);
    const fetch = new RateLimitGate().wrap(fetchFn);
    await Promise.all([fetch(`${API}chat.postMessage`), fetch(`${API}chat.postMessage`), fetch(`${API}users.info`)]);
    expect(sent.map((s) => s.at)).toEqual([0, 0, 0]);
  });

  it("after a 429, holds the method's requests until Retry-After has passed, sends one, then the rest once it is answered", async () => {
    let storm = true;
    const { sent, fetchFn } = scripted(() => (storm ? limited(2) : ok()));
    const gate = new RateLimitGate();
    const fetch = gate.wrap(fetchFn);
    expect((await fetch(`${API}chat.postMessage`)).status).toBe(429);
    expect(gate.limitedMethods).toEqual(["chat.postMessage"]);

    // Five callers retry right away, as five concurrent runs would: none of them leaves yet.
    const waiting = Array.from({ length: 5 }, () => fetch(`${API}chat.postMessage`));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(sent).toHaveLength(1);

    // At Retry-After one goes first; Slack still says 429, so the wait starts over.
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((s) => s.at)).toEqual([0, 2_000]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(sent).toHaveLength(2);

    // The storm is over: the next probe is answered, and everyone else follows at once.
    storm = false;
    await vi.advanceTimersByTimeAsync(1);
    const answers = await Promise.all(waiting);
    expect(answers.map((a) => a.status)).toEqual([429, 200, 200, 200, 200]);
    expect(sent.map((s) => s.at)).toEqual([0, 2_000, 4_000, 4_000, 4_000, 4_000]);
    expect(gate.limitedMethods).toEqual([]);
  });

  it("holds back only the method Slack rate limited", async () => {
    const { sent, fetchFn } = scripted((method) => (method === "chat.postMessage" ? limited(5) : ok()));
    const fetch = new RateLimitGate().wrap(fetchFn);
    await fetch(`${API}chat.postMessage`);
    const held = fetch(`${API}chat.postMessage`);
    expect((await fetch(`${API}conversations.info`)).status).toBe(200);
    expect(sent.map((s) => s.method)).toEqual(["chat.postMessage", "conversations.info"]);
    await vi.advanceTimersByTimeAsync(5_000);
    await held;
  });

  it("lets the next request try when a probe gets no answer at all", async () => {
    let calls = 0;
    const fetchFn = async () => {
      calls++;
      if (calls === 1) return limited(1);
      if (calls === 2) throw new TypeError("fetch failed");
      return ok();
    };
    const fetch = new RateLimitGate().wrap(fetchFn);
    await fetch(`${API}chat.postMessage`);
    const probe = fetch(`${API}chat.postMessage`).catch((e: Error) => e.message);
    const next = fetch(`${API}chat.postMessage`);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await probe).toBe("fetch failed");
    expect((await next).status).toBe(200);
    expect(calls).toBe(3);
  });

  it("stops waiting when the request is aborted", async () => {
    const { fetchFn } = scripted(() => limited(30));
    const fetch = new RateLimitGate().wrap(fetchFn);
    await fetch(`${API}chat.postMessage`);
    const abort = new AbortController();
    const held = fetch(`${API}chat.postMessage`, { signal: abort.signal }).catch((e: Error) => e.message);
    abort.abort(new Error("run cancelled"));
    expect(await held).toBe("run cancelled");
  });
});
