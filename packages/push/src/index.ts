// Public API of @lattice/push: appended by the modules that define it.
export {};
