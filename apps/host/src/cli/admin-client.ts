import { existsSync } from "node:fs";
import { BotyardError, ErrorCodes } from "@botyard/core";
import { AdminDefaults } from "../config/config-schema.js";
import { loadConfig } from "../config/load-config.js";

/** How the CLI reaches a host's admin endpoint. */
export interface AdminTarget {
  url: string;
  token: string;
}

/**
 * The admin endpoint to talk to: `--url`, else `admin.host`:`admin.port` from bots.yaml (a
 * wildcard address means this machine); the token is `admin.token` as bots.yaml interpolates it in
 * this shell (so the same `${VAR}` as the host's), else `BOTYARD_ADMIN_TOKEN`.
 */
export function adminTarget(configPath: string, url: string | undefined, env: NodeJS.ProcessEnv): AdminTarget {
  const admin = existsSync(configPath) ? loadConfig(configPath, env, { allowUnsetEnv: true }).config.admin : undefined;
  const token = admin?.token || env.BOTYARD_ADMIN_TOKEN;
  if (!token) {
    throw new BotyardError(ErrorCodes.ADMIN_UNAVAILABLE, admin ? "admin.token in bots.yaml is empty in this shell: its variable is not set." : "No admin token: bots.yaml has no admin.token and BOTYARD_ADMIN_TOKEN is not set.", {
      hint: 'Set admin: { token: "${BOTYARD_ADMIN_TOKEN}" } in bots.yaml, and export BOTYARD_ADMIN_TOKEN for the host and for this command.',
    });
  }
  if (url) return { url: url.replace(/\/+$/, ""), token };
  const host = !admin?.host || admin.host === "0.0.0.0" || admin.host === "::" ? AdminDefaults.host : admin.host;
  return { url: `http://${host.includes(":") ? `[${host}]` : host}:${admin?.port ?? AdminDefaults.port}`, token };
}

/** Calls the admin endpoint; a refusal (401/403) or an unreachable host is a coded error. */
export async function callAdmin(target: AdminTarget, method: string, path: string, body?: unknown, timeoutMs = 120_000): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // A reload waits for removed bots' runs (up to shutdownTimeoutMs): give it time.
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new BotyardError(ErrorCodes.ADMIN_UNAVAILABLE, `No host answered at ${target.url} (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}).`, {
      hint: "Check that the host runs with admin.token set (its log says \"admin endpoint listening\"), or pass --url http://host:port.",
    });
  }
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { ok: false, message: text.slice(0, 200) };
  }
  if (res.status === 401 || res.status === 403) {
    const code = res.status === 401 ? ErrorCodes.ADMIN_UNAUTHORIZED : ErrorCodes.ADMIN_FORBIDDEN;
    throw new BotyardError(code, `The host at ${target.url} refused the request (${res.status}): ${String(parsed.message ?? "")}`);
  }
  return { status: res.status, body: parsed };
}
