/**
 * The 401 of user-interactive auth. Its body is the auth response
 * (flows/params/session/completed), with errcode/error only when a stage
 * attempt failed — a first 401 carries no errcode, which clients rely on to
 * tell "auth needed" from "auth failed".
 */
import { MatrixError } from '@lattice/core';

export interface UiaState {
  flows: Array<{ stages: string[] }>;
  params: Record<string, unknown>;
  session: string;
  completed: string[];
}

export class UiaRequiredError extends MatrixError {
  constructor(
    readonly state: UiaState,
    readonly failure?: { errcode: string; message: string },
  ) {
    super(401, failure?.errcode ?? 'M_FORBIDDEN', failure?.message ?? 'Additional authentication required');
    this.name = 'UiaRequiredError';
  }

  override toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = { ...this.state };
    if (this.failure) {
      body.errcode = this.failure.errcode;
      body.error = this.failure.message;
    }
    return body;
  }
}
