// Public API of @lattice/sync: appended by the modules that define it.
