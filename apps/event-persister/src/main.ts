#!/usr/bin/env node
/**
 * Lattice event persister: owns the writes of the rooms that hash to it
 * (ARCHITECTURE.md §5). No public traffic: client readers call its internal
 * API (instance_map); it publishes every event on the events stream.
 */
import { reportStartupError, runWorker } from '@lattice/worker-runtime';

runWorker('event-persister').catch(reportStartupError);
