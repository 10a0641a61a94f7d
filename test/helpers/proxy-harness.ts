import { randomUUID } from 'node:crypto';
import { createInProcessTransport, startChannel, type RunningChannel, type Transport } from '../../channel/index.js';
import { createLogger, loadConfig } from '../../core/index.js';
import type { Database } from '../../db/index.js';
import { createApp, startHttpServer, type RunningHttpServer } from '../../http/index.js';
import { PROTOCOL_VERSION, REGISTER_PATH, type RegisteredResponse } from '../../protocol/index.js';
import { createApiKey, createProxy, proxyBodyLimits, proxyRoutes, type ProxyCore } from '../../proxy/index.js';
import { createContext, type Context } from '../../runtime/index.js';
import { waitFor } from './wait-for.js';

/** The enrolment token every harness uses. */
export const TEST_ENROLMENT_TOKEN = 'test-enrolment-token-0123456789';

/** Options of {@link startProxyHarness}. */
export interface ProxyHarnessOptions {
  database: Database;
  /** Default: a fresh in-process transport. */
  transport?: Transport;
  /** Extra settings (env names); defaults make the sweeper fast. */
  env?: Record<string, string>;
  /** Start a channel in-process on the same transport; default true. */
  channel?: boolean;
}

/** A proxy (API + lifecycle) and one channel in this process, over real HTTP and WebSockets. */
export interface ProxyHarness {
  ctx: Context;
  core: ProxyCore;
  http: RunningHttpServer;
  transport: Transport;
  channel: RunningChannel | null;
  apiKey: string;
  /** Call the API with the harness's key (unless `auth: null`). */
  api(method: string, path: string, body?: unknown, auth?: string | null): Promise<{ status: number; type: string; body: any }>;
  /** Register an agent with these facts through the ConfigService. */
  register(facts: { hostname: string; ip: string; sn: string | null }, extra?: Record<string, unknown>): Promise<RegisteredResponse>;
  close(): Promise<void>;
}

/** Start a proxy harness on an open (migrated) database. Closing it closes the database too. */
export async function startProxyHarness(options: ProxyHarnessOptions): Promise<ProxyHarness> {
  const config = loadConfig({
    env: {
      AGENT_ENROLMENT_TOKEN: TEST_ENROLMENT_TOKEN, PROXY_ACK_TIMEOUT_MS: '400', PROXY_SWEEP_INTERVAL_MS: '100',
      PROXY_AGENT_GRACE_MS: '1500', PROXY_RESULT_GRACE_MS: '300', LOG_LEVEL: 'silent', ...options.env,
    },
  });
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const ctx = await createContext(config, { database: options.database, log });
  const transport = options.transport ?? createInProcessTransport({ log });
  const core = createProxy(ctx, { transport });
  const app = createApp(ctx, { routes: proxyRoutes(ctx, core), bodyLimits: proxyBodyLimits() });
  const http = await startHttpServer(app.fetch, { port: 0, host: '127.0.0.1' });
  await core.start();
  let channel: RunningChannel | null = null;
  if (options.channel ?? true) {
    channel = await startChannel({
      channelId: `ch-${randomUUID().slice(0, 8)}`, idc: config.EMBEDDED_CHANNEL_IDC, transport, authenticator: core.authenticator,
      flushMs: 5, statusIntervalMs: 200, log,
    });
    const id = channel.channelId;
    await waitFor(async () => {
      const r = await ctx.database.db.query.channels.findFirst({ where: (c, { eq }) => eq(c.id, id) });
      return r?.url.startsWith('ws://') ? r : undefined;
    }, { what: 'channel row' });
  }
  const key = await createApiKey(ctx, `test-${randomUUID()}`);
  const api: ProxyHarness['api'] = async (method, path, body, auth) => {
    const headers: Record<string, string> = {};
    const bearer = auth === undefined ? key.key : auth;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(http.url + path, { method, headers, ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* keep the text */
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed };
  };
  return {
    ctx, core, http, transport, channel, apiKey: key.key, api,
    async register(facts, extra = {}) {
      const res = await fetch(http.url + REGISTER_PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ENROLMENT_TOKEN}` },
        body: JSON.stringify({
          type: 'register', v: PROTOCOL_VERSION, idc: null, agentVersion: 'sim', facts: { ...facts, ips: [facts.ip] }, ...extra,
        }),
      });
      if (res.status !== 200) throw new Error(`register: ${res.status} ${await res.text()}`);
      return (await res.json()) as RegisteredResponse;
    },
    async close() {
      await channel?.close();
      await core.close();
      await transport.close();
      await http.close(100);
      await ctx.close();
    },
  };
}
