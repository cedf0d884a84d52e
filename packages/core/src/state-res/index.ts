export type { EventLookup, ResolveOptions } from './types.js';
export { resolveState, resolveStateSliced } from './resolve.js';
export { authChain } from './auth-chain.js';
export { CHEAP_STEPS_PER_CHECKPOINT, runInSlices, runToCompletion, type Steps } from './steps.js';
