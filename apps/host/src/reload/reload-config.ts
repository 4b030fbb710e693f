import type { BotSpec, Engine, Logger, SecretScrubber } from "@botyard/core";
import { ConfigError, type ConfigProblem } from "../config/config-error.js";
import { loadConfig, type LoadedConfig } from "../config/load-config.js";
import type { ReloadOutcome } from "../metrics/prometheus-metrics.js";
import { checkBots } from "../runtime/bootstrap.js";
import { hostSettingsChanged } from "./host-settings.js";

/** What a reload did (the answer of `POST /admin/reload`, and the log line of a SIGHUP). */
export interface ReloadReport {
  outcome: ReloadOutcome;
  /** Bots started, stopped, and stopped then started with their new config. */
  added: string[];
  removed: string[];
  restarted: string[];
  unchanged: string[];
  /** Bots (re)started by this reload that failed to start, with why. */
  failed: Array<{ id: string; reason: string }>;
  /** Changes read from the file that the running host cannot apply: restart it for those. */
  needsRestart: string[];
  /** Why the new config was refused (outcome "refused"), each with file:line:column as `botyard validate` gives them. */
  problems?: ConfigProblem[];
  /** The refusal or failure as `botyard validate` would print it. */
  message?: string;
  /** How long the reload took, checking the file included. */
  durationMs: number;
}

export interface ReloaderOptions {
  engine: Engine;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** The config the host started with, and the bots it started. */
  loaded: LoadedConfig;
  specs: BotSpec[];
  /** Secrets of a new `${VAR}` join the scrubber before anything can log them. */
  scrubber: SecretScrubber;
  onOutcome?: (outcome: ReloadOutcome) => void;
  /** Called with every bot of the applied config (what depends on the whole set, e.g. the scope check, is redone). */
  onApplied?: (prepared: Awaited<ReturnType<typeof checkBots>>["prepared"]) => void;
}

/**
 * Re-reads bots.yaml into a running host (SIGHUP, `botyard reload`). The new file is checked as
 * `botyard validate` checks it, with nothing changed, and refused whole when anything is wrong:
 * the running bots carry on. Otherwise only the difference is applied: bots that are new start,
 * bots that are gone stop (their runs finish; what their durable queues hold stays in the store),
 * bots whose entry changed (plugin, version, config, dry-run) stop and start with the new one,
 * and the others are not touched. The Slack connection, the HTTP server and the store stay up;
 * host settings that only a restart applies are reported as such. Reloads run one at a time.
 */
export class Reloader {
  private loaded: LoadedConfig;
  private readonly fingerprints = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ReloaderOptions) {
    this.loaded = options.loaded;
    for (const spec of options.specs) this.fingerprints.set(spec.id, fingerprint(spec));
  }

  reload(): Promise<ReloadReport> {
    const next = this.queue.then(() => this.apply());
    this.queue = next.catch(() => {});
    return next;
  }

  private async apply(): Promise<ReloadReport> {
    const { log } = this.options;
    const started = performance.now();
    const report: ReloadReport = { outcome: "applied", added: [], removed: [], restarted: [], unchanged: [], failed: [], needsRestart: [], durationMs: 0 };
    try {
      let next: LoadedConfig;
      let checked;
      try {
        next = loadConfig(this.loaded.file, this.options.env);
        for (const ref of next.fromEnv) this.options.scrubber.add(ref.value);
        checked = await checkBots(next, log);
        // A setup that throws refuses the reload for a bot it would start or restart (it would
        // replace a working bot with a failed one), not for a bot left as it is, failing as before.
        const specs = checked.specs;
        const touched = checked.setupFailures.filter((problem) => {
          const index = /^bots\[(\d+)\]/.exec(problem.path)?.[1];
          const spec = index === undefined ? undefined : specs.find((s) => s.id === next.config.bots[Number(index)]?.id);
          return !spec || this.fingerprints.get(spec.id) !== fingerprint(spec);
        });
        const all = [...checked.problems, ...touched];
        if (all.length > 0) throw new ConfigError(all);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        report.outcome = "refused";
        report.problems = error.problems;
        report.message = error.message;
        log.error({ code: error.code, problems: error.problems.length }, `reload refused; the running bots carry on unchanged. ${error.message}`);
        return this.done(report, started);
      }
      report.needsRestart.push(...hostSettingsChanged(this.loaded.config, next.config));
      const wanted = new Map(checked.specs.map((spec) => [spec.id, spec]));
      const toStart: BotSpec[] = [];
      for (const id of this.fingerprints.keys()) if (!wanted.has(id)) report.removed.push(id);
      for (const [id, spec] of wanted) {
        const before = this.fingerprints.get(id);
        const now = fingerprint(spec);
        if (before === undefined) report.added.push(id);
        else if (before !== now) report.restarted.push(id);
        else report.unchanged.push(id);
        if (before !== now) toStart.push(spec);
        const oldVersion = before === undefined ? undefined : (JSON.parse(before) as { version?: string }).version;
        if (before !== undefined && oldVersion !== spec.version) {
          // Node caches a module by its URL: the same entry file is not evaluated again.
          report.needsRestart.push(`bot "${id}": plugin ${spec.plugin.name} is ${spec.version ?? "unversioned"} on disk, ${oldVersion ?? "unversioned"} loaded; the bot restarted with its new config on the code already loaded: restart the host to run the new version`);
        }
      }
      const timeoutMs = next.config.shutdownTimeoutMs ?? 10_000;
      for (const id of [...report.removed, ...report.restarted]) {
        const { unfinished } = await this.options.engine.remove(id, timeoutMs);
        this.fingerprints.delete(id);
        if (unfinished > 0) log.warn({ bot: id, unfinished }, "reload: runs of the old bot still going after shutdownTimeoutMs");
      }
      const statuses = await this.options.engine.add(toStart, checked.prepared);
      for (const spec of toStart) this.fingerprints.set(spec.id, fingerprint(spec));
      for (const status of statuses) if (status.state === "failed") report.failed.push({ id: status.id, reason: status.reason ?? "failed" });
      this.loaded = next;
      this.options.onApplied?.(checked.prepared);
    } catch (error) {
      report.outcome = "failed";
      report.message = (error as Error)?.message ?? String(error);
      log.error({ err: error }, "reload failed while being applied; see the bots' states in botyard list");
    }
    report.durationMs = Math.round(performance.now() - started);
    log.info(
      { outcome: report.outcome, durationMs: report.durationMs, added: report.added, removed: report.removed, restarted: report.restarted, unchanged: report.unchanged.length, failed: report.failed.map((f) => f.id), needsRestart: report.needsRestart },
      `bots.yaml reloaded: ${report.added.length} added, ${report.removed.length} removed, ${report.restarted.length} restarted, ${report.unchanged.length} unchanged`,
    );
    return this.done(report, started);
  }

  private done(report: ReloadReport, started: number): ReloadReport {
    report.durationMs = Math.round(performance.now() - started);
    this.options.onOutcome?.(report.outcome);
    return report;
  }
}

/** What makes a bot "changed": its plugin, where it came from and its version, its config, dry-run. */
function fingerprint(spec: BotSpec): string {
  return JSON.stringify({ plugin: spec.plugin.name, source: spec.source, version: spec.version, config: spec.config ?? null, dryRun: spec.dryRun ?? null });
}
