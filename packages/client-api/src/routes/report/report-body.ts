/**
 * The bodies of the report endpoints (report_content.yaml): `reason` is required
 * for rooms and users, optional for events (where it may be blank); `score`, which
 * v1.18 removed, is still accepted from older clients when it is an integer in
 * -100 … 0. Wrong types are 400 M_INVALID_PARAM, a missing reason M_MISSING_PARAM.
 */
import { Errors } from '@lattice/core';
import { optionalString, requireString } from '../../http/validate.js';

/** Long enough for any honest explanation, short enough not to be a storage channel. */
export const MAX_REASON_LENGTH = 1000;

function checkLength(reason: string | undefined): string | undefined {
  if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
    throw Errors.invalidParam(`'reason' must be at most ${MAX_REASON_LENGTH} characters`);
  }
  return reason;
}

export function requiredReason(body: Record<string, unknown>): string {
  return checkLength(requireString(body, 'reason'))!;
}

export function eventReportFields(body: Record<string, unknown>): { reason: string | undefined; score: number | undefined } {
  const reason = checkLength(optionalString(body, 'reason'));
  const raw = body['score'];
  if (raw === undefined || raw === null) return { reason, score: undefined };
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < -100 || raw > 0) {
    throw Errors.invalidParam("'score' must be an integer between -100 and 0");
  }
  return { reason, score: raw };
}
