/**
 * An S3-compatible bucket behind the local media store (config
 * `media_storage_s3`): every file the store keeps is also put in the bucket,
 * and a file missing on this machine's disk (another replica stored it, the
 * disk was wiped, a new node) is fetched back from it. Local disk stays the
 * working copy that thumbnails and downloads read; the bucket is what
 * survives. Path-style URLs (endpoint/bucket/key), which AWS, MinIO, Garage,
 * Ceph and the like all serve.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { encodeS3Path, signS3Request, type S3Credentials } from './s3-signing.js';
import { commitFile, removeQuietly, streamToTempFile } from './file-writer.js';

export interface S3StorageConfig {
  bucket: string;
  /** Default: AWS for the region. */
  endpoint_url?: string;
  region_name: string;
  access_key_id: string;
  secret_access_key: string;
  /** Prepended to every object key. */
  prefix: string;
}

export class S3Storage {
  private readonly base: string;
  private readonly credentials: S3Credentials;

  constructor(private readonly config: S3StorageConfig) {
    const endpoint = config.endpoint_url ?? `https://s3.${config.region_name}.amazonaws.com`;
    this.base = `${endpoint.replace(/\/+$/, '')}/${encodeS3Path(config.bucket)}`;
    this.credentials = { accessKeyId: config.access_key_id, secretAccessKey: config.secret_access_key, region: config.region_name };
  }

  /** Puts the file at `localPath` under `key` (streamed). */
  async put(key: string, localPath: string): Promise<void> {
    const { size } = await stat(localPath);
    const url = this.url(key);
    const headers = signS3Request('PUT', url, { 'content-length': String(size) }, this.credentials);
    const res = await fetch(url, {
      method: 'PUT',
      headers,
      body: Readable.toWeb(createReadStream(localPath)) as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`S3 PUT ${key} answered ${res.status}`);
  }

  /**
   * Writes the object `key` to `localPath` (through a temp file in `tmpPath`,
   * at most `maxBytes`); false when the bucket does not have it.
   */
  async get(key: string, localPath: string, tmpPath: string, maxBytes: number): Promise<boolean> {
    const url = this.url(key);
    const res = await fetch(url, { headers: signS3Request('GET', url, {}, this.credentials) });
    if (res.status === 404) {
      await res.arrayBuffer();
      return false;
    }
    if (!res.ok || !res.body) throw new Error(`S3 GET ${key} answered ${res.status}`);
    try {
      await streamToTempFile(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), tmpPath, maxBytes);
    } catch (err) {
      await removeQuietly(tmpPath);
      throw err;
    }
    // false: another request put it in place first; as good.
    await commitFile(tmpPath, localPath);
    return true;
  }

  /** Removes the object `key` (S3 answers 204 whether or not it existed). */
  async delete(key: string): Promise<void> {
    const url = this.url(key);
    const res = await fetch(url, { method: 'DELETE', headers: signS3Request('DELETE', url, {}, this.credentials) });
    await res.arrayBuffer();
    if (!res.ok && res.status !== 404) throw new Error(`S3 DELETE ${key} answered ${res.status}`);
  }

  private url(key: string): URL {
    return new URL(`${this.base}/${encodeS3Path(this.config.prefix + key)}`);
  }
}
