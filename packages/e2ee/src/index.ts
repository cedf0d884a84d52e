// Public API of @lattice/e2ee: appended by the modules that define it.
export {};
