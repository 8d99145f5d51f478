// A gateway's first start in a process of its own: opens the store at argv[2] (data dir argv[3]), waits
// until the epoch-ms time argv[4] so that its siblings start together, bootstraps, prints the outcome.
import { openStore } from '../../src/store/open-store.js';
import { bootstrapInput } from './access-records.js';

const [url, dataDir = '', startAt = '0'] = process.argv.slice(2);
const store = await openStore({ url, dataDir });
try {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
  const created = await store.access.bootstrap(bootstrapInput(`Operator of process ${process.pid}`));
  process.stdout.write(JSON.stringify({ created }));
} finally {
  await store.close();
}
