#!/usr/bin/env node
/**
 * Lattice sync worker: /sync and /events long-polls (ARCHITECTURE.md §2),
 * woken by replication over Redis; it writes no stream.
 */
import { reportStartupError, runWorker } from '@lattice/worker-runtime';

runWorker('sync').catch(reportStartupError);
