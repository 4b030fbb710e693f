import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real filesystem of a few hundred kilobytes (a tmpfs mounted for the test), to fill up or
 * turn read-only under a running store. Mounting needs root (CAP_SYS_ADMIN): without it, `mount`
 * fails and so does the test, saying so, rather than skipping.
 */
export class SmallDisk {
  private filler = 0;

  private constructor(readonly dir: string) {}

  static mount(sizeBytes: number): SmallDisk {
    const dir = mkdtempSync(join(tmpdir(), "botyard-small-disk-"));
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes},mode=0755`, "tmpfs", dir], { stdio: "pipe" });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      const said = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? (error as Error).message;
      throw new Error(`SmallDisk: could not mount a ${sizeBytes}-byte tmpfs at ${dir} (${said}). These tests need root (CAP_SYS_ADMIN) to mount one.`);
    }
    return new SmallDisk(dir);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes a filler file until the disk refuses (ENOSPC); returns how many bytes it took. */
  fill(): number {
    const fd = openSync(join(this.dir, `filler-${++this.filler}`), "w");
    const chunk = Buffer.alloc(4096, 0xaa);
    let written = 0;
    try {
      for (;;) written += writeSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
    } finally {
      closeSync(fd);
    }
    return written;
  }

  /** Deletes what `fill` wrote. */
  free(): void {
    for (let i = 1; i <= this.filler; i++) rmSync(join(this.dir, `filler-${i}`), { force: true });
  }

  readOnly(): void {
    execFileSync("mount", ["-o", "remount,ro", this.dir], { stdio: "pipe" });
  }

  unmount(): void {
    try {
      execFileSync("umount", [this.dir], { stdio: "pipe" });
    } catch {
      // Busy (a process still has a file open): lazily, so it goes once that process does.
      execFileSync("umount", ["-l", this.dir], { stdio: "pipe" });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** SHA-256 of each of `files` ("absent" for one that does not exist): to show a file was left untouched. */
export function fingerprints(...files: string[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f, existsSync(f) ? createHash("sha256").update(readFileSync(f)).digest("hex") : "absent"]));
}
