/**
 * The ephemeral EDUs of rooms and users (typing, receipts, presence) as a
 * process wires them: the inbound handlers go on the /send dispatcher, the
 * outbound senders follow the typing and receipts streams and take presence
 * changes through the PresenceOutbound seam (or, where the presence writer is
 * another process, by following the presence stream), and joins bring the new
 * server up to date with the room's presence.
 */
import type { ClientApiContext } from '@lattice/client-api';
import type { EduDispatcher } from '../inbound/edu-dispatcher.js';
import type { EduQueue } from './edu-scope.js';
import { FederationPresenceOutbound, PRESENCE_EDU, presenceEduHandler } from './presence.js';
import { RECEIPT_EDU, ReceiptEduSender, receiptEduHandler } from './receipts.js';
import { TYPING_EDU, TypingEduSender, typingEduHandler } from './typing.js';

/** Inbound m.typing, m.receipt and m.presence (they write the typing, receipts and presence streams). */
export function registerEphemeralEduHandlers(dispatcher: EduDispatcher, ctx: ClientApiContext): void {
  dispatcher.register(TYPING_EDU, typingEduHandler(ctx));
  dispatcher.register(RECEIPT_EDU, receiptEduHandler(ctx));
  dispatcher.register(PRESENCE_EDU, presenceEduHandler(ctx));
}

export interface EphemeralEduSendersOptions {
  /** The presence writer is another process: follow the presence stream rather than wait for `presence` calls. */
  followPresence?: boolean;
}

export class EphemeralEduSenders {
  /** Pass to the presence writer (createPresenceFeatures' `outbound`) when it runs in this process. */
  readonly presence: FederationPresenceOutbound;
  private readonly typing: TypingEduSender;
  private readonly receipts: ReceiptEduSender;
  private unfollowPresence: (() => void) | undefined;
  private unfollowJoins: (() => void) | undefined;

  constructor(ctx: ClientApiContext, queue: EduQueue) {
    this.presence = new FederationPresenceOutbound(ctx, queue);
    this.typing = new TypingEduSender(ctx, queue);
    this.receipts = new ReceiptEduSender(ctx, queue);
  }

  start(options: EphemeralEduSendersOptions = {}): void {
    this.typing.start();
    this.receipts.start();
    this.unfollowJoins = this.presence.followJoins();
    if (options.followPresence) this.unfollowPresence = this.presence.follow();
  }

  stop(): void {
    this.typing.stop();
    this.receipts.stop();
    this.unfollowPresence?.();
    this.unfollowJoins?.();
  }
}
