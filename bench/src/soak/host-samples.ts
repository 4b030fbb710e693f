/** One reading of a host process's /metrics. */
export interface HostSample {
  at: number;
  replica: number;
  pid: number;
  rssMb: number;
  heapUsedMb: number;
  /** p99 of event-loop delay since the previous scrape (prom-client resets its histogram on each). */
  eventLoopP99Ms: number;
  activeHandles: number;
  /** Listeners on the host's shutdown signal and on `process`, where the host exports them. */
  signalListeners?: number;
  processListeners?: number;
}

const PREFIX = "botyard_process_";

/** Reads a host's /metrics; undefined when it does not answer (killed, restarting). */
export async function sampleHost(url: string, replica: number, pid: number): Promise<HostSample | undefined> {
  let text: string;
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (res.status !== 200) return undefined;
    text = await res.text();
  } catch {
    return undefined;
  }
  const series = parseMetrics(text);
  const mb = (name: string) => (series.get(name) ?? Number.NaN) / 1024 / 1024;
  const sample: HostSample = {
    at: Date.now(),
    replica,
    pid,
    rssMb: mb(`${PREFIX}process_resident_memory_bytes`),
    heapUsedMb: mb(`${PREFIX}nodejs_heap_size_used_bytes`),
    eventLoopP99Ms: (series.get(`${PREFIX}nodejs_eventloop_lag_p99_seconds`) ?? Number.NaN) * 1000,
    // The host exports handles by type (its `_total` gauge was misnamed for Prometheus): add them up.
    activeHandles: sumOf(series, `${PREFIX}nodejs_active_handles{`),
  };
  const signal = series.get(`${PREFIX}listeners{emitter="shutdown_signal"}`);
  const proc = series.get(`${PREFIX}listeners{emitter="process"}`);
  if (signal !== undefined) sample.signalListeners = signal;
  if (proc !== undefined) sample.processListeners = proc;
  return sample;
}

/** Prometheus text format: each series (`name` or `name{labels}`) to its value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** Least-squares slope of `value` over `at` (ms), per hour; NaN with fewer than two points. */
export function slopePerHour(points: ReadonlyArray<{ at: number; value: number }>): number {
  if (points.length < 2) return Number.NaN;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.at, 0) / n;
  const my = points.reduce((s, p) => s + p.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.at - mx) * (p.value - my);
    den += (p.at - mx) ** 2;
  }
  return den === 0 ? Number.NaN : (num / den) * 3_600_000;
}

function sumOf(series: Map<string, number>, prefix: string): number {
  let total = Number.NaN;
  for (const [key, value] of series) if (key.startsWith(prefix)) total = (Number.isNaN(total) ? 0 : total) + value;
  return total;
}
