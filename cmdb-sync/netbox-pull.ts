import { z } from 'zod';
import { backoffDelay, sleep, StarlingError } from '../core/index.js';
import type { RawCmdbRecord } from './cmdb-row.js';

/** Options of {@link pullNetboxDevices}. */
export interface PullNetboxOptions {
  /** NetBox base URL, without `/api` (e.g. `https://netbox.example`). Required. */
  url: string;
  /** API token: sent as `Authorization: Token <token>`, or as is when it starts with `Bearer `. Required. */
  token: string;
  /** Devices per page; default 1,000 (NetBox's usual MAX_PAGE_SIZE). */
  pageSize?: number | undefined;
  /** Tries per page for network errors, 429 and 5xx; default 3. */
  attempts?: number | undefined;
  /** Per-request timeout in ms; default 15,000. */
  timeoutMs?: number | undefined;
  /** Largest page body accepted, in bytes; default 32 MiB. */
  maxPageBytes?: number | undefined;
  /** Most pages followed; default 10,000. */
  maxPages?: number | undefined;
  /** First retry delay in ms (doubled per retry, jittered); default 500. */
  backoffMs?: number | undefined;
  /** Stops the pull; default none. */
  signal?: AbortSignal | undefined;
  /** fetch implementation; default the global one. */
  fetch?: typeof fetch | undefined;
}

const named = z.object({ name: z.string().nullish(), slug: z.string().nullish() }).passthrough().nullish();

/** The part of a NetBox device Starling reads (NetBox 3.x/4.x `/api/dcim/devices/`). */
const deviceSchema = z
  .object({
    id: z.number().int(),
    name: z.string().nullish(),
    serial: z.string().nullish(),
    primary_ip4: z.object({ address: z.string() }).passthrough().nullish(),
    primary_ip6: z.object({ address: z.string() }).passthrough().nullish(),
    site: named,
    tenant: named,
    role: named,
    device_role: named,
  })
  .passthrough();

const pageSchema = z.object({
  count: z.number().int().nullable().optional(),
  next: z.string().nullable(),
  previous: z.string().nullable().optional(),
  results: z.array(deviceSchema),
});

async function readBounded(res: Response, limit: number, url: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > limit) throw new StarlingError('CMDB-DEP-NETBOX_BAD_RESPONSE', { url, reason: `page of ${declared} bytes exceeds ${limit}` });
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new StarlingError('CMDB-DEP-NETBOX_BAD_RESPONSE', { url, reason: `page exceeds ${limit} bytes` });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Map one NetBox device onto Starling's CMDB fields. */
export function netboxDeviceRecord(device: z.infer<typeof deviceSchema>, row: number): RawCmdbRecord {
  return {
    row,
    values: {
      external_id: `netbox:${device.id}`,
      sn: device.serial ?? undefined,
      // NetBox keeps the prefix length on addresses (10.0.0.1/24); the importer strips it.
      ip: device.primary_ip4?.address ?? device.primary_ip6?.address,
      hostname: device.name ?? undefined,
      idc: device.site?.slug ?? device.site?.name ?? undefined,
      owner: device.tenant?.name ?? undefined,
      app: device.role?.name ?? device.device_role?.name ?? undefined,
    },
  };
}

/**
 * Pull every device from NetBox's REST API (`/api/dcim/devices/`), following `next` links
 * (same origin only), with token auth, per-request timeouts, bounded page size and retries
 * with jittered backoff. Returns records ready for `importCmdb` (source `netbox`).
 */
export async function pullNetboxDevices(options: PullNetboxOptions): Promise<RawCmdbRecord[]> {
  const doFetch = options.fetch ?? fetch;
  const base = new URL(options.url.replace(/\/+$/, '') + '/');
  const auth = options.token.startsWith('Bearer ') ? options.token : `Token ${options.token}`;
  const attempts = options.attempts ?? 3;
  const limit = options.maxPageBytes ?? 32 * 1024 * 1024;
  const records: RawCmdbRecord[] = [];
  let next: string | null = new URL(`api/dcim/devices/?limit=${options.pageSize ?? 1000}&offset=0&exclude=config_context`, base).toString();
  let pages = 0;
  while (next) {
    if (++pages > (options.maxPages ?? 10_000)) throw new StarlingError('CMDB-DEP-NETBOX_BAD_RESPONSE', { url: base.origin, reason: 'too many pages' });
    const url: string = next;
    let body: string | undefined;
    for (let attempt = 1; body === undefined; attempt++) {
      let failure: string;
      try {
        const signals = [AbortSignal.timeout(options.timeoutMs ?? 15_000), ...(options.signal ? [options.signal] : [])];
        const res = await doFetch(url, { headers: { authorization: auth, accept: 'application/json' }, signal: AbortSignal.any(signals), redirect: 'error' });
        if (res.status === 401 || res.status === 403) {
          await res.body?.cancel();
          throw new StarlingError('CMDB-DEP-NETBOX_AUTH_FAILED', { url: base.origin, status: res.status });
        }
        if (res.ok) {
          body = await readBounded(res, limit, base.origin);
          break;
        }
        await res.body?.cancel();
        if (res.status !== 429 && res.status < 500) throw new StarlingError('CMDB-DEP-NETBOX_BAD_RESPONSE', { url: base.origin, reason: `HTTP ${res.status}` });
        failure = `HTTP ${res.status}`;
      } catch (err) {
        if (err instanceof StarlingError || options.signal?.aborted) throw err;
        failure = (err as Error).message;
      }
      if (attempt >= attempts) throw new StarlingError('CMDB-DEP-NETBOX_UNAVAILABLE', { url: base.origin, reason: failure });
      await sleep(backoffDelay(attempt - 1, { baseMs: options.backoffMs ?? 500 }), options.signal);
    }
    let page: z.infer<typeof pageSchema>;
    try {
      page = pageSchema.parse(JSON.parse(body));
    } catch (err) {
      throw new StarlingError('CMDB-DEP-NETBOX_BAD_RESPONSE', { url: base.origin, reason: (err as Error).message.slice(0, 300) });
    }
    for (const device of page.results) records.push(netboxDeviceRecord(device, records.length + 1));
    next = page.next;
    if (next && new URL(next, base).origin !== base.origin) {
      throw new StarlingError('CMDB-DEP-NETBOX_BAD_RESPONSE', { url: base.origin, reason: 'next page link points at another host' });
    }
    if (next) next = new URL(next, base).toString();
  }
  return records;
}
