// Public API of @lattice/appservice: appended by the modules that define it.
export {};
