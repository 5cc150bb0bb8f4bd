/**
 * Keyset paging over ids. A page request carries the id of the last row the caller saw (`cursor`); the next
 * page holds rows strictly after it in the list's order. Ascending-id lists (groups, jobs, users) continue
 * with larger ids, newest-first lists (runs, audit entries) with smaller ones. Rows inserted while a caller
 * pages never shift later pages, unlike OFFSET paging. Page tokens are the RPC layer's business.
 */
export interface PageRequest {
  /** Most rows to return; a positive integer. */
  readonly limit: number;
  /** The `nextCursor` of the previous page; absent for the first page. */
  readonly cursor?: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Present when more rows follow; pass it as the next request's `cursor`. */
  readonly nextCursor?: number;
}

/** Checks a page request; a limit that is not a positive integer is a programming error in the caller. */
export function checkPageRequest(page: PageRequest): void {
  if (!Number.isInteger(page.limit) || page.limit < 1) throw new RangeError(`page limit must be a positive integer, got ${page.limit}`);
  if (page.cursor !== undefined && !Number.isSafeInteger(page.cursor)) throw new RangeError(`page cursor must be an integer, got ${page.cursor}`);
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only says that there is more, and the cursor
 * is the id of the last row returned.
 */
export function toPage<T extends { readonly id: number }>(rows: readonly T[], limit: number): Page<T> {
  if (rows.length <= limit) return { items: [...rows] };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return last === undefined ? { items } : { items, nextCursor: last.id };
}

export const EMPTY_PAGE: Page<never> = Object.freeze({ items: [] });
