// What both the server and the command line open before doing anything: the store and the master key.
import { loadMasterKey, MasterKeyError, type LoadedMasterKey } from '../access/secret-box.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/types.js';

export type GatewayState = { store: Store; masterKey: LoadedMasterKey };

/**
 * SQLite (one process): a missing master key is generated into `<dataDir>/master.key`. PostgreSQL (possibly
 * many replicas): it must be given, since every replica has to open what another one sealed.
 */
export async function openGatewayState(config: Readonly<Config>, logger: Logger): Promise<GatewayState> {
  const store = await openStore({ url: config.database.url, dataDir: config.dataDir, logger, journal: config.database.journal });
  try {
    const masterKey = loadMasterKey({
      ...(config.auth.masterKey === undefined ? {} : { value: config.auth.masterKey }),
      ...(config.auth.masterKeyFile === undefined ? {} : { file: config.auth.masterKeyFile }),
      dataDir: config.dataDir,
      generateIfMissing: store.dialect === 'sqlite',
    });
    return { store, masterKey };
  } catch (error) {
    await store.close();
    if (error instanceof MasterKeyError && store.dialect === 'postgres') {
      throw new MasterKeyError(`${error.message} PostgreSQL deployments need one shared by every replica.`);
    }
    throw error;
  }
}
