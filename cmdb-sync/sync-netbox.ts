import { StarlingError } from '../core/index.js';
import type { Context } from '../runtime/index.js';
import { importCmdb, type ImportCmdbResult } from './import-cmdb.js';
import { pullNetboxDevices } from './netbox-pull.js';

/**
 * Pull NetBox's devices (CMDB_NETBOX_URL, CMDB_NETBOX_TOKEN, CMDB_NETBOX_PAGE_SIZE) and
 * import them as source `netbox`: bad devices are listed, the rest upsert.
 */
export async function syncNetbox(ctx: Pick<Context, 'db' | 'config'>, signal?: AbortSignal): Promise<ImportCmdbResult> {
  const { CMDB_NETBOX_URL: url, CMDB_NETBOX_TOKEN: token, CMDB_NETBOX_PAGE_SIZE: pageSize } = ctx.config;
  if (!url || !token) {
    throw new StarlingError('PROXY-USR-CONFIG_INVALID', { setting: 'CMDB_NETBOX_URL/CMDB_NETBOX_TOKEN', value: '(unset)', allowed: 'both must be set to pull from NetBox' });
  }
  const records = await pullNetboxDevices({ url, token, pageSize, signal });
  return importCmdb(ctx, records, { source: 'netbox', actor: 'system:netbox-pull' });
}
