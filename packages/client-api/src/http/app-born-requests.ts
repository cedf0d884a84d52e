/**
 * Requests and responses born with their app's prototypes. express gives each
 * request and response the prototype of the app it enters
 * (Object.setPrototypeOf). In V8 an object whose prototype was changed that
 * way takes a hidden class of its own for every property added afterwards:
 * every request and response had a shape no other one shared, and each
 * property access on them, all along the middleware chain, missed the inline
 * caches (measured under load: 15% of a client reader's CPU in the runtime's
 * IC-miss path). A server that constructs them from classes whose prototypes
 * ARE the app's makes express's setPrototypeOf a no-op: one shape for all.
 */
import http, { type RequestListener } from 'node:http';
import type { Express } from 'express';

export interface ServerClasses {
  IncomingMessage: typeof http.IncomingMessage;
  ServerResponse: typeof http.ServerResponse;
}

const classesOfApps = new WeakMap<object, ServerClasses>();

export function bornWithAppPrototypes(app: Express): void {
  class AppRequest extends http.IncomingMessage {}
  adopt(AppRequest.prototype, app.request, app);
  app.request = AppRequest.prototype as unknown as Express['request'];
  class AppResponse extends http.ServerResponse {}
  adopt(AppResponse.prototype, app.response, app);
  app.response = AppResponse.prototype as unknown as Express['response'];
  classesOfApps.set(app, { IncomingMessage: AppRequest, ServerResponse: AppResponse as typeof http.ServerResponse });
}

/**
 * The class prototype stands in for express's own (req.get, res.json, … come from it) and names the app
 * itself, as express's does: were the app mounted in another, express would re-parent the prototype,
 * and req.app would otherwise become the outer app.
 */
function adopt(proto: object, expressProto: object, app: Express): void {
  Object.setPrototypeOf(proto, expressProto);
  Object.defineProperty(proto, 'app', { configurable: true, enumerable: true, writable: true, value: app });
}

/** http.createServer options for a handler: its request and response classes when it is such an app. */
export function serverClassesFor(handler: RequestListener): Partial<ServerClasses> {
  return classesOfApps.get(handler) ?? {};
}
