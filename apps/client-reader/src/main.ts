#!/usr/bin/env node
/**
 * Lattice client reader: the Client-Server API except /sync and media
 * (ARCHITECTURE.md §2). Room writes go to the owning event persister over the
 * internal API; account data, receipts, to-device and the other non-event
 * streams are written here by the instances stream_writers names.
 */
import { reportStartupError, runWorker } from '@lattice/worker-runtime';

runWorker('client-reader').catch(reportStartupError);
