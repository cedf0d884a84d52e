/** `node pglite-initdb-child.js <data dir>`: creates an embedded database's files, then exits (see pglite-initdb.ts). */
import { createPglite } from './pglite.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: pglite-initdb-child.js <data dir>');
const db = await createPglite({ dataDir });
await db.close();
