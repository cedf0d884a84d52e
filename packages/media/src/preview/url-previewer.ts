/**
 * Builds URL previews: checks the URL against the operator's patterns, serves
 * a stored preview when one is fresh, else fetches the page through safeFetch,
 * reads its OpenGraph data, and stores og:image as local media so clients get
 * an mxc:// URI (never a remote URL, which would make every client fetch it).
 * Concurrent requests for one URL share one fetch.
 */
import { Readable } from 'node:stream';
import { AddressPolicy, Errors, MatrixError, OutboundError, safeFetch, type HostResolver, type Logger, type SafeResponse } from '@lattice/core';
import type { Database } from '@lattice/storage';
import sharp from 'sharp';
import type { MediaRepository } from '../media-repository.js';
import { mxcUri } from '../mxc.js';
import { decodeHtml } from './charset.js';
import { readHtmlHead } from './html-head.js';
import { discoveredOEmbed, openGraphOfOEmbed, type OEmbedProviders } from './oembed.js';
import { openGraphOf, type OpenGraph } from './opengraph.js';
import { findCachedPreview, storePreview } from './preview-cache.js';
import { UrlBlacklist } from './url-blacklist.js';

/** Synapse's lifetime of a stored preview. */
export const PREVIEW_TTL_MS = 60 * 60 * 1000;
const FETCH_TIMEOUT_MS = 10_000;

export interface UrlPreviewerOptions {
  db: Database;
  media: MediaRepository;
  serverName: string;
  blacklist: readonly string[];
  whitelist: readonly string[];
  urlBlacklist: ReadonlyArray<Record<string, string>>;
  maxBytes: number;
  logger: Logger;
  /** Default: the system resolver. */
  resolve?: HostResolver;
  /** oEmbed providers the operator configured (discovery through the page works without). */
  oembed?: OEmbedProviders;
}

export class UrlPreviewer {
  private readonly policy: AddressPolicy;
  private readonly urlBlacklist: UrlBlacklist;
  private readonly inFlight = new Map<string, Promise<OpenGraph>>();

  constructor(private readonly opts: UrlPreviewerOptions) {
    this.policy = new AddressPolicy(opts.blacklist, opts.whitelist);
    this.urlBlacklist = new UrlBlacklist(opts.urlBlacklist);
  }

  async preview(rawUrl: string, userId: string, ts?: number): Promise<OpenGraph> {
    const url = parsePreviewUrl(rawUrl);
    if (this.urlBlacklist.isBlocked(url)) throw Errors.forbidden('URL blocked by url pattern blacklist entry');
    const now = Date.now();
    const cached = await findCachedPreview(this.opts.db, url.href, ts ?? now, now);
    if (cached) return cached;
    let pending = this.inFlight.get(url.href);
    if (!pending) {
      pending = this.build(url, userId).finally(() => this.inFlight.delete(url.href));
      this.inFlight.set(url.href, pending);
    }
    return pending;
  }

  private async build(url: URL, userId: string): Promise<OpenGraph> {
    const fetchedTs = Date.now();
    const og = await this.describe(url, userId);
    await storePreview(this.opts.db, url.href, og, fetchedTs, fetchedTs + PREVIEW_TTL_MS);
    return og;
  }

  /** The page's preview: from a configured oEmbed provider, else its HTML (and any oEmbed it advertises), else as an image. */
  private async describe(url: URL, userId: string): Promise<OpenGraph> {
    const configured = this.opts.oembed?.requestFor(url.href);
    if (configured !== undefined) {
      const og = await this.oembed(configured);
      if (og) return this.withStoredImage(og, url.href, userId);
    }
    const page = await this.download(url.href);
    if (page.status < 200 || page.status >= 300) {
      throw new MatrixError(502, 'M_UNKNOWN', `Got error code ${page.status} fetching the URL`);
    }
    const contentType = headerOf(page, 'content-type');
    // A direct link to an image previews as that image; anything else but HTML has no OpenGraph data.
    if (!isHtml(contentType)) return (await this.storeImage(page, userId)) ?? {};
    const head = readHtmlHead(decodeHtml(page.body, contentType));
    const og = openGraphOf(head);
    const discovered = discoveredOEmbed(head, page.url);
    // The page's own tags win; its oEmbed fills what they leave out.
    if (discovered !== undefined) for (const [k, v] of Object.entries((await this.oembed(discovered)) ?? {})) if (!Object.hasOwn(og, k)) og[k] = v;
    return this.withStoredImage(og, page.url, userId);
  }

  /** og:image replaced by the image stored as local media (or dropped when it cannot be fetched). */
  private async withStoredImage(og: OpenGraph, pageUrl: string, userId: string): Promise<OpenGraph> {
    const image = og['og:image'];
    delete og['og:image'];
    if (typeof image === 'string') Object.assign(og, await this.imageFields(image, pageUrl, userId));
    return og;
  }

  /** An oEmbed endpoint's answer as OpenGraph; undefined when it fails (the page itself is the fallback). */
  private async oembed(requestUrl: string): Promise<OpenGraph | undefined> {
    try {
      const res = await this.download(requestUrl);
      if (res.status < 200 || res.status >= 300) return undefined;
      return openGraphOfOEmbed(JSON.parse(res.body.toString('utf8')));
    } catch (err) {
      this.opts.logger.info({ err, requestUrl }, 'URL preview: oEmbed not used');
      return undefined;
    }
  }

  /** og:image and its size fields, or none when the image cannot be fetched or is not an image. */
  private async imageFields(image: string, pageUrl: string, userId: string): Promise<OpenGraph> {
    let imageUrl: string;
    try {
      imageUrl = new URL(image, pageUrl).href;
    } catch {
      return {};
    }
    try {
      const res = await this.download(imageUrl);
      if (res.status < 200 || res.status >= 300) return {};
      return (await this.storeImage(res, userId)) ?? {};
    } catch (err) {
      this.opts.logger.info({ err, imageUrl }, 'URL preview: og:image not fetched');
      return {};
    }
  }

  /** Stores the body as local media if it decodes as an image. */
  private async storeImage(res: SafeResponse, userId: string): Promise<OpenGraph | undefined> {
    let meta: sharp.Metadata;
    try {
      meta = await sharp(res.body).metadata();
    } catch {
      return undefined;
    }
    const contentType = headerOf(res, 'content-type')?.split(';')[0]?.trim() || `image/${meta.format}`;
    const mediaId = await this.opts.media.upload(userId, {
      body: Readable.from([res.body]),
      contentType,
      filename: fileNameOf(res.url),
    });
    const og: OpenGraph = {
      'og:image': mxcUri(this.opts.serverName, mediaId),
      'og:image:type': contentType,
      'matrix:image:size': res.body.length,
    };
    if (meta.width !== undefined) og['og:image:width'] = meta.width;
    if (meta.height !== undefined) og['og:image:height'] = meta.height;
    return og;
  }

  private async download(url: string): Promise<SafeResponse> {
    try {
      return await safeFetch(url, {
        policy: this.policy,
        maxBytes: this.opts.maxBytes,
        timeoutMs: FETCH_TIMEOUT_MS,
        resolve: this.opts.resolve,
        headers: { 'user-agent': 'Lattice URL preview', accept: 'text/html,application/xhtml+xml,image/*;q=0.9,*/*;q=0.5' },
      });
    } catch (err) {
      throw previewError(err);
    }
  }
}

function parsePreviewUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw Errors.invalidParam('url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw Errors.invalidParam('url must be http or https');
  url.hash = ''; // never sent to the server: one preview per document
  return url;
}

/** Synapse's answers where it has one; 403 for blocked addresses whatever DNS said (see the report). */
function previewError(err: unknown): MatrixError {
  if (!(err instanceof OutboundError)) return Errors.unknown('Failed to download content', 502);
  switch (err.reason) {
    case 'blocked':
      return Errors.forbidden('IP address blocked by IP blacklist entry');
    case 'bad_url':
      return Errors.invalidParam(err.message);
    case 'dns':
      return Errors.unknown('DNS resolution failure during URL preview generation', 502);
    case 'too_large':
      return new MatrixError(502, 'M_TOO_LARGE', 'Requested content is too large');
    default:
      return Errors.unknown(`Failed to download content: ${err.message}`, 502);
  }
}

function headerOf(res: SafeResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isHtml(contentType: string | undefined): boolean {
  return /^\s*(text\/html|application\/xhtml\+xml)\b/i.test(contentType ?? '');
}

function fileNameOf(url: string): string | undefined {
  const last = new URL(url).pathname.split('/').pop();
  if (!last) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}
