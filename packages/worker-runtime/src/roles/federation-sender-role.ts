/**
 * The federation-sender role: PDUs and EDUs to other servers, pushes to push
 * gateways, and the senders that must run once (application services; the
 * retention purges run on the first caches writer, admin-background.ts, since
 * a purge must reach every worker's caches through that stream). With several instances (federation_sender_instances, as
 * in Synapse) each sends to its own share of the destinations, by the same
 * rendezvous hash the persisters use for rooms: every instance follows the
 * streams and queues and sends only its own destinations, so no destination
 * ever has two transactions in flight. The first instance also runs what
 * must run once: device list updates (a per-user chain of stream ids, queued
 * for every destination through the outbox, which each owner sweeps) and
 * application services.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { BullMqRetrySchedule, bullmqPrefix, type HomeserverConfig, type RetrySchedule, type SigningKey } from '@lattice/core';
import { EphemeralEduSenders, FederationSender, OutboxEduQueue, createE2eeFederation, createFederationTransport } from '@lattice/federation';
import { createPushModule } from '@lattice/push';
import { startAppserviceSender } from '@lattice/appservice';
import { federationSenderFor } from '../topology/shard.js';
import { senderWakeForwarder } from '../internal/sender-wake-forwarder.js';
import { redisOptions } from '../worker-services.js';

export interface FederationSenderRole {
  /** The sender (federation-inbound wakes its destinations through the internal API). */
  federationSender: FederationSender;
  close(): Promise<void>;
}

/**
 * The destinations this instance sends to when several share them (federation_sender_instances);
 * undefined: all of them. The sender and its outbox gauges keep to the same share.
 */
export function ownedDestinations(config: HomeserverConfig): ((destination: string) => boolean) | undefined {
  const senders = config.federation_sender_instances;
  if (senders.length <= 1) return undefined;
  const name = config.worker_name ?? 'federation-sender';
  return (destination) => federationSenderFor(destination, senders) === name;
}

export function startFederationSenderRole(ctx: ClientApiContext, signingKey: SigningKey): FederationSenderRole {
  const senders = ctx.config.federation_sender_instances;
  const name = ctx.config.worker_name ?? 'federation-sender';
  const sharded = senders.length > 1;
  const first = senders.length === 0 || senders[0] === name;
  const deps = { ...createFederationTransport(ctx, signingKey), ctx };
  const push = createPushModule(ctx, { sendPushes: true });
  const sender = new FederationSender(deps, {
    // Each instance keeps its own catch-up position (its destinations' share of the events).
    ...(senders.length > 0 ? { instanceName: `federation_sender/${name}` } : {}),
    owns: ownedDestinations(ctx.config),
    // Each instance's own queue: a destination's retry wakes its owner.
    ...retrySchedule(ctx, `federation-retry-${encodeURIComponent(name)}`),
  });
  // Typing, receipts and presence follow their streams (written by other processes).
  const edus = new EphemeralEduSenders(ctx, sender);
  edus.start({ followPresence: true });
  sender.start().catch((err: unknown) => ctx.logger.error({ err }, 'federation sender failed to start'));
  const e2ee = first ? createE2eeFederation(deps, sharded ? shardedEduQueue(ctx, sender) : sender) : undefined;
  e2ee?.start().catch((err: unknown) => ctx.logger.error({ err }, 'device list sender failed to start'));
  const appservices = first ? startAppserviceSender(ctx, retrySchedule(ctx, 'appservice-retry')) : undefined;
  appservices?.catch((err: unknown) => ctx.logger.error({ err }, 'appservice sender failed to start'));
  return {
    federationSender: sender,
    close: async () => {
      await appservices?.then((s) => s.stop(), () => undefined);
      await e2ee?.stop();
      edus.stop();
      await sender.stop();
      await push.close();
    },
  };
}

/**
 * Sharded: device list updates go to every destination's outbox, and its owner sends them now: this
 * instance at once, another one when told over the internal API (its outbox sweep is the fallback).
 */
function shardedEduQueue(ctx: ClientApiContext, sender: FederationSender): OutboxEduQueue {
  const owns = ownedDestinations(ctx.config)!;
  const forwarder = senderWakeForwarder(ctx);
  return new OutboxEduQueue(ctx.db, (destination) => (owns(destination) ? sender.sendQueued(destination) : forwarder.onQueued(destination)));
}

/**
 * Destination and appservice retries as delayed BullMQ jobs when Redis is configured (as
 * createPushModule decides for pushes), else the senders' timers; PostgreSQL stays the store.
 */
function retrySchedule(ctx: ClientApiContext, queueName: string): { schedule?: RetrySchedule } {
  if (!ctx.config.redis.enabled) return {};
  const prefix = bullmqPrefix(ctx.config.server_name);
  return { schedule: new BullMqRetrySchedule({ connection: redisOptions(ctx.config), queueName, prefix, logger: ctx.logger }) };
}
