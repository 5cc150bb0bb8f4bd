import { LruMap } from "../../shared/lru-map.js";

/** Texts kept; the hot path has a few dozen shapes (table, columns, row count). */
const CAPACITY = 256;

const texts = new LruMap<string, string>(CAPACITY);

/**
 * The statement text of one shape (`key`: what the text depends on, short), built once and then handed out as the
 * same string. A bulk statement of 500 rows is tens of kilobytes of placeholders; built anew for every batch, each
 * copy had to be joined and hashed again where SQLite's prepared statements are looked up by text, while a string
 * handed out again keeps its hash.
 */
export function statementText(key: string, build: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    text = build();
    texts.set(key, text);
  }
  return text;
}
