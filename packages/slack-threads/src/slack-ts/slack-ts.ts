/** Orders Slack timestamps (`1700000000.000100`) without floating point. */
export function compareTs(a: string, b: string): number {
  const [as = "", au = ""] = a.split(".");
  const [bs = "", bu = ""] = b.split(".");
  return cmp(as.padStart(12, "0"), bs.padStart(12, "0")) || cmp(au.padEnd(6, "0"), bu.padEnd(6, "0"));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** When a Slack message was posted, in epoch ms. */
export function postedAt(ts: string): number {
  const [s = "0", u = "0"] = ts.split(".");
  return Number(s) * 1000 + Math.floor(Number(u.padEnd(6, "0")) / 1000);
}
