/**
 * mxc:// URI parts (spec "Matrix Content (mxc://) URIs" and its security
 * considerations): media ids are whitelisted to [A-Za-z0-9_-], server names to
 * valid server names, before anything uses them, so no percent-encoded or
 * UTF-8 traversal can reach the file system.
 */
import { randomBytes } from 'node:crypto';
import { Errors, isValidServerName } from '@lattice/core';

const MEDIA_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** A server name that can name media (and a directory): the grammar's "." and ".." are no host's names. */
export function isValidMediaOrigin(serverName: string): boolean {
  return isValidServerName(serverName) && !serverName.startsWith('.') && !serverName.includes('..');
}

export function isValidMediaId(mediaId: string): boolean {
  return MEDIA_ID.test(mediaId);
}

/** 144 random bits, base64url: 24 characters, all in the media id alphabet. */
export function newMediaId(): string {
  return randomBytes(18).toString('base64url');
}

export function mxcUri(serverName: string, mediaId: string): string {
  return `mxc://${serverName}/${mediaId}`;
}

export interface MediaRef {
  serverName: string;
  mediaId: string;
}

/**
 * Validates the {serverName}/{mediaId} of a request path: a malformed server
 * name is a bad request; a malformed media id names nothing that can exist.
 */
export function mediaRefOf(params: Record<string, string | string[] | undefined>): MediaRef {
  const serverName = typeof params.serverName === 'string' ? params.serverName : '';
  const mediaId = typeof params.mediaId === 'string' ? params.mediaId : '';
  if (!isValidMediaOrigin(serverName)) throw Errors.invalidParam('Invalid server name');
  if (!isValidMediaId(mediaId)) throw Errors.notFound('Unknown media ID');
  return { serverName, mediaId };
}

/** The parts of an mxc:// URI found in event content; undefined unless both are valid. */
export function parseMxc(uri: string): MediaRef | undefined {
  const match = /^mxc:\/\/([^/]+)\/([^/?#]+)$/.exec(uri);
  if (!match || !isValidMediaOrigin(match[1]!) || !isValidMediaId(match[2]!)) return undefined;
  return { serverName: match[1]!, mediaId: match[2]! };
}
