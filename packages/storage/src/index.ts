export * from './database.js';
export * from './value-types.js';
export * from './drivers/postgres.js';
export * from './drivers/pglite.js';
export * from './open-database.js';
export * from './migrations.js';
export * from './testing.js';
