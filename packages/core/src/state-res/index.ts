export type { EventLookup, ResolveOptions } from './types.js';
export { resolveState, resolveStateSliced } from './resolve.js';
export { authChain } from './auth-chain.js';
