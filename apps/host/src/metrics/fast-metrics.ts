import type { Registry } from "prom-client";

interface Series {
  labels: Record<string, string>;
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A histogram for the run path, where prom-client's own costs a label-object hash on every
 * observation (about 4 µs: more than the rest of a webhook's run). Observations go into arrays
 * found by a string key; the Prometheus series are built only when /metrics is scraped.
 */
export class FastHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: string[],
    private readonly upperBounds: number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** `key` identifies the label values (any string unique to them); `labels` are used on first sight only. */
  observe(key: string, labelValues: () => string[], value: number): void {
    let s = this.series.get(key);
    if (!s) {
      const values = labelValues();
      s = { labels: Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]!])), buckets: new Array<number>(this.upperBounds.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    const bounds = this.upperBounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        s.buckets[i]!++;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }

  /** What prom-client's registry reads when rendering (cumulative buckets, +Inf, sum, count). */
  get(): { name: string; help: string; type: string; aggregator: string; values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> } {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...s.labels, le: "+Inf" }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}

/** A counter for the run path, kept like FastHistogram: a number per key, series built at scrape. */
export class FastCounter {
  readonly type = "counter";
  readonly aggregator = "sum";
  private readonly series = new Map<string, { labels: Record<string, string>; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  inc(key: string, labelValues: () => string[]): void {
    const s = this.series.get(key);
    if (s) {
      s.value++;
      return;
    }
    const values = labelValues();
    this.series.set(key, { labels: Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]!])), value: 1 });
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Array<{ labels: Record<string, string>; value: number }> } {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })) };
  }

  reset(): void {
    this.series.clear();
  }
}
