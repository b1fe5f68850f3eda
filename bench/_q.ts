import { openDatabase } from '../server/db/database';
const db = await openDatabase({ dataDir: '/tmp/pgexp', DATABASE_URL: undefined }, { migrate: false });
for (const sql of process.argv.slice(2)) { const t = performance.now(); const r = await db.knex.raw(sql); console.log(Math.round(performance.now() - t), 'ms', JSON.stringify((r.rows ?? []).slice(0, 40)).slice(0, 3000)); }
await db.close();
