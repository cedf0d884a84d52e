import { decodeHtml } from '../../src/preview/charset.js';
import { readHtmlHead } from '../../src/preview/html-head.js';
import { openGraphOf } from '../../src/preview/opengraph.js';
import { UrlBlacklist } from '../../src/preview/url-blacklist.js';

describe('openGraphOf(readHtmlHead(…))', () => {
  test('reads og:* tags, first value wins, entities decoded, attributes in any quoting', () => {
    const html = `<!doctype html><html><head>
      <!-- <meta property="og:title" content="commented out"> -->
      <meta property=og:title content='Fish &amp; Chips'>
      <META PROPERTY="og:title" CONTENT="second">
      <meta name="og:site_name" content="Example &#x2014; Site">
      <meta property="og:image" content="/img.png"><meta property="og:image:width" content="48"/>
      <script>document.write('<meta property="og:description" content="from script">')</script>
      <title>Ignored &lt;title&gt;</title>
      </head><body><meta property="og:url" content="https://example.org/late"></body></html>`;
    expect(openGraphOf(readHtmlHead(html))).toEqual({
      'og:title': 'Fish & Chips',
      'og:site_name': 'Example \u2014 Site',
      'og:image': '/img.png',
      'og:image:width': '48',
      'og:url': 'https://example.org/late',
    });
  });

  test('falls back to <title> and meta description', () => {
    const og = openGraphOf(readHtmlHead('<title>\n  A   page\n</title><meta name="Description" content="About it">'));
    expect(og).toEqual({ 'og:title': 'A page', 'og:description': 'About it' });
  });

  test('survives unterminated markup', () => {
    expect(openGraphOf(readHtmlHead('<title>never closed'))).toEqual({ 'og:title': 'never closed' });
    expect(openGraphOf(readHtmlHead('<meta property="og:title" content="x'))).toEqual({});
  });
});

describe('decodeHtml', () => {
  const latin1Page = Buffer.from('<meta charset="iso-8859-1"><title>caf\xe9</title>', 'latin1');

  test('uses the Content-Type charset, then <meta charset>, then UTF-8', () => {
    expect(readHtmlHead(decodeHtml(latin1Page, 'text/html')).title).toBe('café');
    const utf16 = Buffer.from('<title>caf\u00e9</title>', 'utf16le');
    expect(readHtmlHead(decodeHtml(utf16, 'text/html; charset=utf-16le')).title).toBe('café');
    expect(readHtmlHead(decodeHtml(Buffer.from('<title>café</title>'), undefined)).title).toBe('café');
  });

  test('an unknown charset label falls through to the next source', () => {
    expect(readHtmlHead(decodeHtml(latin1Page, 'text/html; charset=x-bogus')).title).toBe('café');
  });
});

describe('UrlBlacklist (Synapse format)', () => {
  const list = new UrlBlacklist([
    { netloc: '*.internal.example' },
    { scheme: 'http', hostname: 'plain.example' },
    { path: '^/admin(/|$)' },
  ]);
  test.each([
    ['https://wiki.internal.example/x', true],
    ['https://internal.example/x', false],
    ['http://plain.example/', true],
    ['https://plain.example/', false],
    ['https://ok.example/admin/users', true],
    ['https://ok.example/administrator', false],
  ])('%s blocked: %s', (url, blocked) => {
    expect(list.isBlocked(new URL(url))).toBe(blocked);
  });
});
