import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { demoLog, problemOf } from "./demo-log.js";

describe("the demo's log", () => {
  it("keeps every line in the file and puts warnings and errors on screen, split lines included", async () => {
    const file = new PassThrough();
    let kept = "";
    file.on("data", (c) => (kept += String(c)));
    const shown: string[] = [];
    const log = demoLog(file, (s) => shown.push(s));
    const info = JSON.stringify({ level: 30, msg: "botyard host ready" });
    const warning = JSON.stringify({ level: 40, bot: "oncall", msg: "Could not reach PagerDuty. Retrying." });
    log.write(`${info}\n${warning.slice(0, 10)}`);
    log.write(`${warning.slice(10)}\n`);
    await new Promise<void>((r) => log.end(() => r()));
    expect(kept).toBe(`${info}\n${warning}\n`);
    expect(shown).toEqual(["warning (bot oncall): Could not reach PagerDuty. Retrying."]);
  });

  it("sums an error up with its cause and code, once", () => {
    expect(problemOf(JSON.stringify({ level: 50, bot: "x", msg: "handler failed: boom", err: { message: "boom" } }))).toBe("error (bot x): handler failed: boom");
    expect(problemOf(JSON.stringify({ level: 50, msg: "start refused", err: { message: "no socket", code: "BOTYARD_ERR_SLACK_AUTH" } }))).toBe(
      "error: start refused: no socket [BOTYARD_ERR_SLACK_AUTH]",
    );
    expect(problemOf("not json")).toBeUndefined();
  });
});
