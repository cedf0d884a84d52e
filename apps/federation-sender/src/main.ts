#!/usr/bin/env node
/**
 * Lattice federation sender: no public traffic. Today it follows replication
 * (catch-up from PostgreSQL, readiness, stream metrics); the outbound
 * federation queue, pushers and appservice senders mount here as they land.
 */
import { reportStartupError, runWorker } from '@lattice/worker-runtime';

runWorker('federation-sender').catch(reportStartupError);
