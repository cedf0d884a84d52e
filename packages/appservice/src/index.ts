// Public API of @lattice/appservice: appended by the modules that define it.
export { Appservice, type AppserviceRegistration } from './registration/appservice.js';
export { Namespace, compileNamespaceRegex, type NamespaceEntry } from './registration/namespace.js';
export { parseRegistration, type ParsedRegistration } from './registration/parse-registration.js';
export { AppserviceRegistry, appservicesOf, loadRegistry } from './registration/registry.js';
export { AppserviceAuthenticator } from './auth/appservice-authenticator.js';
export { callAppservice, AppserviceStatusError, AppserviceUrlNotSetError, type AppserviceCall } from './outbound/appservice-client.js';
export { AppserviceSender, type AppserviceSenderOptions } from './sender/appservice-sender.js';
export { installAppserviceAuth, appserviceRouter, startAppserviceSender } from './appservice-features.js';
