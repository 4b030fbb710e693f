import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute } from "node:path";
import { ErrorCodes, isBotyardError, type Logger, type StoreBackend } from "@botyard/core";

/** What `POST /admin/backup` answers: a status and a JSON body, as every admin route. */
export interface BackupAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * `POST /admin/backup` with `{"to": "/abs/path.db", "overwrite"?: true}`: an online backup of the
 * store through the running host, which alone may open an embedded store's file.
 *
 * The path is the host machine's, and must be absolute: the endpoint has no working directory an
 * operator could know (`botyard backup` makes `--out` absolute from where it runs). An existing file
 * is replaced only with `overwrite`, so that a mistyped path never destroys something else; the
 * store's own files are refused by the store. Answers 200 `{ ok, to, bytes, pages, durationMs }`;
 * 400/409 BOTYARD_ERR_BACKUP_PATH, 501 BOTYARD_ERR_STORE_BACKUP_UNSUPPORTED (Redis), 500
 * BOTYARD_ERR_BACKUP_FAILED.
 */
export async function backupRoute(body: Record<string, unknown> | undefined, store: Pick<StoreBackend, "kind" | "backup">, log: Logger): Promise<BackupAnswer> {
  const to = body?.to;
  const overwrite = body?.overwrite === true;
  const refuse = (status: number, message: string) => ({ status, body: { ok: false, error: "invalid_backup_path", code: ErrorCodes.BACKUP_PATH, message } });
  if (typeof to !== "string" || to === "") return refuse(400, 'Give {"to": "<absolute path of the backup file on the host\'s machine>"}.');
  if (!store.backup) {
    return {
      status: 501,
      body: {
        ok: false,
        error: "backup_unsupported",
        code: ErrorCodes.STORE_BACKUP_UNSUPPORTED,
        message:
          store.kind === "redis"
            ? "The redis store has no online backup through Botyard: its data lives in the Redis server, which has its own persistence. Back up the server instead (redis-cli --rdb <file>, or its RDB/AOF files after BGSAVE)."
            : `The ${store.kind} store has no online backup (its backend does not implement backup). Back up where that store keeps its data.`,
      },
    };
  }
  if (!isAbsolute(to)) return refuse(400, `"${to}" is not an absolute path: the backup is written on the host's machine, so give the whole path.`);
  if (existsSync(to)) {
    if (statSync(to).isDirectory()) return refuse(400, `${to} is a directory: give the backup file's own name, such as ${to.replace(/\/+$/, "")}/state.db.`);
    if (!overwrite) return refuse(409, `${to} exists already: choose a new name, or pass overwrite (botyard backup --overwrite) to replace it.`);
  } else if (!existsSync(dirname(to)) || !statSync(dirname(to)).isDirectory()) {
    return refuse(400, `Cannot back up to ${to}: the directory ${dirname(to)} does not exist on the host's machine.`);
  }
  const started = performance.now();
  try {
    const result = await store.backup(to);
    const durationMs = Math.round(performance.now() - started);
    log.info({ to, bytes: result.bytes, pages: result.pages, durationMs }, "store backed up through the admin endpoint");
    return { status: 200, body: { ok: true, to, ...result, durationMs } };
  } catch (error) {
    const code = isBotyardError(error) ? (error as { code: string }).code : ErrorCodes.BACKUP_FAILED;
    log.error({ err: error, to }, "store backup failed");
    return {
      status: code === ErrorCodes.BACKUP_PATH ? 400 : 500,
      body: { ok: false, error: code === ErrorCodes.BACKUP_PATH ? "invalid_backup_path" : "backup_failed", code, message: (error as Error).message },
    };
  }
}
