/**
 * A tolerant reader of the parts of an HTML document a preview needs: <meta> and <link>
 * tags and the <title>. Not a full HTML parser: it scans tags, skips comments,
 * scripts and styles, and keeps going into <body>, where some sites put
 * their meta tags.
 */

export interface HtmlHead {
  /** Every <meta>'s attributes (lower-cased names, decoded values), in document order. */
  metas: Array<Record<string, string>>;
  /** Every <link>'s attributes (oEmbed discovery), in document order. */
  links: Array<Record<string, string>>;
  title?: string;
}

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|<!--[\s\S]*?(?:-->|$)/g;
const ATTR = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
/** Elements whose content is raw text: a '<' inside them is not a tag. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'noscript', 'template']);

export function readHtmlHead(html: string): HtmlHead {
  const head: HtmlHead = { metas: [], links: [] };
  TAG.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TAG.exec(html)) !== null) {
    if (m[2] === undefined || m[1] === '/') continue; // comment or end tag
    const name = m[2].toLowerCase();
    if (name === 'meta') {
      head.metas.push(parseAttributes(m[3] ?? ''));
    } else if (name === 'link') {
      head.links.push(parseAttributes(m[3] ?? ''));
    } else if (RAW_TEXT.has(name)) {
      const close = new RegExp(`</${name}\\s*>`, 'gi');
      close.lastIndex = TAG.lastIndex;
      const end = close.exec(html);
      const text = html.slice(TAG.lastIndex, end ? end.index : html.length);
      if (name === 'title' && head.title === undefined) head.title = collapse(decodeEntities(text));
      TAG.lastIndex = end ? close.lastIndex : html.length;
    }
  }
  return head;
}

function parseAttributes(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  ATTR.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ATTR.exec(text)) !== null) {
    const name = m[1]!.toLowerCase();
    // The first occurrence of an attribute wins, as in HTML.
    if (!Object.hasOwn(attrs, name)) attrs[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** Whitespace runs to one space, trimmed: titles and descriptions are shown on one line. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
  laquo: '\u00ab',
  raquo: '\u00bb',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  middot: '\u00b7',
  bull: '\u2022',
};

/** Numeric references and the named ones that matter in titles; unknown names stay as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));?/g, (whole, dec, hex, name) => {
    if (name !== undefined) return NAMED[(name as string).toLowerCase()] ?? whole;
    const code = dec !== undefined ? Number(dec) : parseInt(hex as string, 16);
    const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    return valid ? String.fromCodePoint(code) : '\ufffd';
  });
}
