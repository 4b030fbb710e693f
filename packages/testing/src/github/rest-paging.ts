// GitHub's pagination: `page` and `per_page`, and the `Link` header (first/prev/next/last).
import { first, type HandlerContext } from "./rest-route.js";

export function pageParams(ctx: HandlerContext, defaultPerPage = 30, maxPerPage = 100): { page: number; perPage: number } {
  const perPageRaw = Number(first(ctx.req.query.per_page));
  const pageRaw = Number(first(ctx.req.query.page));
  const perPage = Number.isInteger(perPageRaw) && perPageRaw > 0 ? Math.min(perPageRaw, maxPerPage) : defaultPerPage;
  const page = Number.isInteger(pageRaw) && pageRaw > 0 ? pageRaw : 1;
  return { page, perPage };
}

/** Slice a list and set GitHub's `Link` header (first/prev/next/last) when it spans pages. */
export function paginate<T>(baseUrl: string, ctx: HandlerContext, items: T[], defaultPerPage = 30, maxPerPage = 100): T[] {
  const { page, perPage } = pageParams(ctx, defaultPerPage, maxPerPage);
  setLink(baseUrl, ctx, page, Math.max(1, Math.ceil(items.length / perPage)));
  return items.slice((page - 1) * perPage, page * perPage);
}

export function setLink(baseUrl: string, ctx: HandlerContext, page: number, lastPage: number): void {
  if (lastPage <= 1 && page <= 1) return;
  const link = (p: number, rel: string) => {
    const query = new URLSearchParams(ctx.req.url.search);
    query.set("page", String(p));
    return `<${baseUrl}${ctx.req.path}?${query.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(link(Math.min(page - 1, lastPage), "prev"));
  if (page < lastPage) parts.push(link(page + 1, "next"), link(lastPage, "last"));
  if (page > 1) parts.push(link(1, "first"));
  ctx.headers.link = parts.join(", ");
}
