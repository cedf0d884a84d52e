/**
 * Where a transaction's EDUs go: the modules that own each EDU type (typing,
 * receipts, presence, device lists, to-device…) register a handler. Each
 * handler must check that the origin speaks only for its own users. EDUs of
 * types nobody handles are ignored, as the spec allows.
 */
export type EduHandler = (origin: string, content: Record<string, unknown>) => Promise<void>;

export class EduDispatcher {
  private readonly handlers = new Map<string, EduHandler>();

  register(eduType: string, handler: EduHandler): void {
    this.handlers.set(eduType, handler);
  }

  /** Runs the handlers one EDU at a time, in order; a failing EDU never fails the transaction. */
  async dispatch(origin: string, edus: readonly unknown[], onError: (err: unknown, eduType: string) => void): Promise<void> {
    for (const edu of edus) {
      if (typeof edu !== 'object' || edu === null) continue;
      const { edu_type: type, content } = edu as { edu_type?: unknown; content?: unknown };
      if (typeof type !== 'string' || typeof content !== 'object' || content === null || Array.isArray(content)) continue;
      const handler = this.handlers.get(type);
      if (handler === undefined) continue;
      try {
        await handler(origin, content as Record<string, unknown>);
      } catch (err) {
        onError(err, type);
      }
    }
  }
}
