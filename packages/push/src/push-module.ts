/**
 * The push feature of one process: the Push Rules, /notifications and pushers
 * routes, m.push_rules in /sync, and — where events are persisted — evaluation
 * of every new event for the room's local members followed by pushes through
 * the queue. Mount `router` beside the client API and pass `syncExtension` to
 * syncRouter.
 */
import { bullmqPrefix, type HomeserverConfig, type Logger } from '@lattice/core';
import { CLIENT_API_PREFIXES, rawBody, type ClientApiContext } from '@lattice/client-api';
import { createSyncServices, type SyncExtension } from '@lattice/sync';
import { Router } from 'express';
import { NotificationFanout } from './notifications/notification-fanout.js';
import { RoomPushFactsCache } from './notifications/room-push-facts.js';
import { PushGatewaySender } from './pushers/gateway-sender.js';
import { BullMqPushQueue } from './pushers/bullmq-push-queue.js';
import { InProcessPushQueue } from './pushers/in-process-push-queue.js';
import { PushDispatcher } from './pushers/push-dispatcher.js';
import { onPushersChanged } from './pushers/pusher-changes.js';
import type { PushQueue } from './pushers/push-queue.js';
import { notificationsRouter } from './routes/notifications.js';
import { pushersRouter } from './routes/pushers.js';
import { pushRulesRouter } from './routes/push-rules.js';
import { CompiledRulesCache } from './rules/compiled-rules-cache.js';
import { pushRulesSyncExtension } from './rules/push-rules-sync.js';
import type { PushRulesOptions } from './rules/push-rules-store.js';

export interface PushModuleOptions {
  /** Default: BullMQ when Redis is enabled in the config, else an InProcessPushQueue. */
  queue?: PushQueue;
  /** This process sends the queue's pushes (the federation sender role; the single process). Default: true. */
  sendPushes?: boolean;
  /** Default: true (see PushRulesOptions). */
  legacyMentionRules?: boolean;
}

export interface PushModule {
  router: Router;
  syncExtension: SyncExtension;
  /** Where the persisted-events hook stores notifications (absent without a local persister). */
  fanout: NotificationFanout | undefined;
  queue: PushQueue;
  close(): Promise<void>;
}

export function createPushModule(ctx: ClientApiContext, options: PushModuleOptions = {}): PushModule {
  const rulesOptions: PushRulesOptions = { legacyMentionRules: options.legacyMentionRules ?? true };
  const services = createSyncServices(ctx);
  const queue = options.queue ?? pushQueueFor(ctx.config, ctx.logger);
  const closers: Array<() => void> = [];
  if (options.sendPushes ?? true) {
    const sender = new PushGatewaySender({ db: ctx.db, store: ctx.rooms.store, logger: ctx.logger, config: ctx.config, hub: ctx.rooms.hub });
    queue.process((job) => sender.send(job));
    closers.push(() => sender.close());
  }

  const dispatcher = new PushDispatcher(ctx.db, queue);
  closers.push(onPushersChanged(ctx.rooms.hub, () => dispatcher.pushersChanged()));
  let fanout: NotificationFanout | undefined;
  const { persister, hub, store } = ctx.rooms;
  if (persister.onPersisted) {
    const rules = new CompiledRulesCache(ctx.db, hub, rulesOptions);
    const facts = new RoomPushFactsCache(store, hub, ctx.config.server_name, hub.instanceName);
    const evaluator = new NotificationFanout(ctx.db, facts, rules);
    fanout = evaluator;
    closers.push(() => rules.close(), () => facts.close());
    closers.push(
      persister.onPersisted(async (events) => {
        for (const { event } of events) if (event.type === 'm.room.member') dispatcher.membershipChanged(event.room_id);
        const notified = await evaluator.process(events);
        if (notified.length === 0) return;
        dispatcher.dispatch(notified).catch((err: unknown) => ctx.logger.error({ err }, 'queueing pushes failed'));
      }),
    );
  }

  const versioned = Router();
  versioned.use(rawBody(ctx.config.max_request_body_size));
  versioned.use(pushRulesRouter(ctx, services, rulesOptions), notificationsRouter(ctx, services), pushersRouter(ctx));
  const router = Router();
  router.use(CLIENT_API_PREFIXES, versioned);

  return {
    router,
    syncExtension: pushRulesSyncExtension(ctx.db, rulesOptions),
    fanout,
    queue,
    async close() {
      for (const close of closers) close();
      await queue.close();
    },
  };
}

/** BullMQ in Redis when Redis is configured (under the server's own prefix), else in process. */
export function pushQueueFor(config: HomeserverConfig, logger: Logger): PushQueue {
  const { redis } = config;
  if (!redis.enabled) return new InProcessPushQueue(logger);
  const connection = {
    host: redis.host,
    port: redis.port,
    ...(redis.password !== undefined ? { password: redis.password } : {}),
    ...(redis.dbid !== undefined ? { db: redis.dbid } : {}),
  };
  return new BullMqPushQueue({ connection, prefix: bullmqPrefix(config.server_name), logger });
}
