#!/usr/bin/env node
/**
 * Lattice media worker: /_matrix/media/* and /_matrix/client/v1/media/*
 * (ARCHITECTURE.md §2) over a media store shared by its replicas.
 */
import { reportStartupError, runWorker } from '@lattice/worker-runtime';

runWorker('media').catch(reportStartupError);
