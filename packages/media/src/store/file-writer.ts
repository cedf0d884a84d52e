/**
 * Writing media files so that no partial file is ever served: bytes go to a
 * temp file, which is then hard-linked into its final name. link() fails if the
 * name exists, so a file is never overwritten and two racing writers of the same
 * name resolve to one winner (the other gets EEXIST).
 */
import { createWriteStream } from 'node:fs';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MatrixError } from '@lattice/core';

export function uploadTooLarge(maxBytes: number): MatrixError {
  // Close the connection: the rest of an oversized upload is not worth reading.
  return new MatrixError(413, 'M_TOO_LARGE', `Cannot upload files larger than ${maxBytes} bytes`, {}, { Connection: 'close' });
}

/**
 * Streams `source` into `tmpPath`, failing with 413 M_TOO_LARGE past maxBytes.
 * Returns the byte count; removes the file on failure. The source is piped, not
 * put in the pipeline, so an oversized request is paused rather than destroyed
 * and its connection can still carry the 413.
 */
export async function streamToTempFile(source: Readable, tmpPath: string, maxBytes: number): Promise<number> {
  await mkdir(dirname(tmpPath), { recursive: true });
  let size = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      done(size > maxBytes ? uploadTooLarge(maxBytes) : null, chunk);
    },
  });
  const onSourceError = (err: Error): void => {
    cap.destroy(err);
  };
  source.once('error', onSourceError);
  source.pipe(cap);
  try {
    await pipeline(cap, createWriteStream(tmpPath, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    source.unpipe(cap);
    source.pause();
    await removeQuietly(tmpPath);
    throw err;
  } finally {
    source.off('error', onSourceError);
  }
  return size;
}

export async function writeTempFile(tmpPath: string, data: Buffer): Promise<void> {
  await mkdir(dirname(tmpPath), { recursive: true });
  await writeFile(tmpPath, data, { flag: 'wx', mode: 0o600 });
}

/** Moves a complete temp file to `finalPath`; false (temp removed) if that name already exists. */
export async function commitFile(tmpPath: string, finalPath: string): Promise<boolean> {
  try {
    await mkdir(dirname(finalPath), { recursive: true });
    await link(tmpPath, finalPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await removeQuietly(tmpPath);
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
