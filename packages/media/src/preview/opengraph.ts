/**
 * The OpenGraph data of a page: og:* properties from <meta property=…> (or
 * name=…, which many sites use), with the page's <title> and meta description
 * standing in for a missing og:title / og:description. Values are strings, as
 * on the page; the previewer replaces og:image with an mxc:// URI.
 */
import { collapse, type HtmlHead } from './html-head.js';

export type OpenGraph = Record<string, string | number>;

/** Longest description kept: previews are one or two lines in a client. */
const MAX_DESCRIPTION = 500;
const MAX_VALUE = 2000;

export function openGraphOf(head: HtmlHead): OpenGraph {
  const og: OpenGraph = {};
  let description: string | undefined;
  for (const meta of head.metas) {
    const key = (meta.property ?? meta.name)?.trim().toLowerCase();
    const content = meta.content;
    if (key === undefined || content === undefined) continue;
    if (key === 'description') description ??= content;
    // The first value wins: og:image:width and the like belong to the first og:image.
    if (key.startsWith('og:') && !Object.hasOwn(og, key)) og[key] = truncate(collapse(content), MAX_VALUE);
  }
  if (og['og:title'] === undefined && head.title) og['og:title'] = truncate(head.title, MAX_VALUE);
  if (og['og:description'] === undefined && description !== undefined) og['og:description'] = collapse(description);
  if (typeof og['og:description'] === 'string') og['og:description'] = truncate(og['og:description'], MAX_DESCRIPTION);
  return og;
}

/** At most `max` UTF-16 units, never cutting a surrogate pair in half. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = /[\ud800-\udbff]/.test(text[max - 1]!) ? max - 1 : max;
  return text.slice(0, cut);
}
