/**
 * oEmbed (https://oembed.com): many sites (video, social posts) describe their
 * pages better through an oEmbed endpoint than through OpenGraph tags. Two ways
 * to find one, as in Synapse: providers the operator lists
 * (`oembed.additional_providers`, files in oembed.com's providers.json format:
 * URL schemes → endpoint), and discovery through the page's
 * <link rel="alternate" type="application/json+oembed">.
 */
import { readFileSync } from 'node:fs';
import { collapse, decodeEntities, type HtmlHead } from './html-head.js';
import type { OpenGraph } from './opengraph.js';

interface Endpoint {
  schemes: RegExp[];
  url: string;
}

/** oembed.com's scheme syntax: `*` matches anything (within the URL), everything else is literal. */
function schemeRegExp(scheme: string): RegExp {
  const escaped = scheme.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 'i');
}

export class OEmbedProviders {
  private readonly endpoints: Endpoint[];

  constructor(providerLists: ReadonlyArray<unknown>) {
    this.endpoints = [];
    for (const list of providerLists) {
      if (!Array.isArray(list)) throw new Error('an oEmbed providers file must hold a JSON array');
      for (const provider of list as Array<{ endpoints?: Array<{ schemes?: unknown; url?: unknown }> }>) {
        for (const endpoint of provider.endpoints ?? []) {
          if (typeof endpoint.url !== 'string' || !Array.isArray(endpoint.schemes)) continue;
          const schemes = endpoint.schemes.filter((s): s is string => typeof s === 'string').map(schemeRegExp);
          // "{format}" placeholders in endpoint URLs: we always ask for JSON.
          if (schemes.length > 0) this.endpoints.push({ schemes, url: endpoint.url.replace('{format}', 'json') });
        }
      }
    }
  }

  /** Reads providers.json-format files (config `oembed.additional_providers`). */
  static fromFiles(paths: readonly string[]): OEmbedProviders {
    return new OEmbedProviders(paths.map((p) => JSON.parse(readFileSync(p, 'utf8')) as unknown));
  }

  /** The oEmbed request URL for a page, when a configured provider covers it. */
  requestFor(pageUrl: string): string | undefined {
    const endpoint = this.endpoints.find((e) => e.schemes.some((s) => s.test(pageUrl)));
    return endpoint && withQuery(endpoint.url, pageUrl);
  }
}

function withQuery(endpoint: string, pageUrl: string): string {
  const url = new URL(endpoint);
  url.searchParams.set('url', pageUrl);
  url.searchParams.set('format', 'json');
  return url.href;
}

/** The JSON oEmbed endpoint a page advertises, resolved against the page's URL. */
export function discoveredOEmbed(head: HtmlHead, pageUrl: string): string | undefined {
  const link = head.links.find((l) => l.rel?.toLowerCase().split(/\s+/).includes('alternate') && l.type?.toLowerCase() === 'application/json+oembed' && l.href);
  if (!link) return undefined;
  try {
    const url = new URL(link.href!, pageUrl);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * OpenGraph fields from an oEmbed response: title, provider as site name, the
 * text of rich/video HTML as description; the image (a photo's url, else the
 * thumbnail) comes back as `og:image`, still a remote URL for the previewer to store.
 */
export function openGraphOfOEmbed(json: unknown): OpenGraph {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return {};
  const o = json as Record<string, unknown>;
  const og: OpenGraph = {};
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? collapse(v) : undefined);
  const title = text(o.title);
  if (title !== undefined) og['og:title'] = title;
  const site = text(o.provider_name);
  if (site !== undefined) og['og:site_name'] = site;
  const image = o.type === 'photo' ? text(o.url) : text(o.thumbnail_url);
  if (image !== undefined) og['og:image'] = image;
  if ((o.type === 'rich' || o.type === 'video') && typeof o.html === 'string') {
    const visible = o.html.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<[^>]*>/g, ' ');
    const description = collapse(decodeEntities(visible));
    if (description !== '') og['og:description'] = description.slice(0, 500);
  }
  return og;
}
