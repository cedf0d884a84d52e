#!/usr/bin/env node
/**
 * Lattice federation inbound: /_matrix/federation/* and /_matrix/key/*
 * (ARCHITECTURE.md §2). Follows replication like every worker.
 */
import { reportStartupError, runWorker } from '@lattice/worker-runtime';

runWorker('federation-inbound').catch(reportStartupError);
