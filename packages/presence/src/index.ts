// Public API of @lattice/presence: appended by the modules that define it.
export {};
