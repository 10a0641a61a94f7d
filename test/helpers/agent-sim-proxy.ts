import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createBatchingAuthenticator, createInProcessTransport, startChannel, type RunningChannel, type Transport,
} from '../../channel/index.js';
import {
  generateSigningKey, PROTOCOL_VERSION, registerRequest, type ChannelToProxy, type RegisteredResponse, type RunDispatchFrame,
  type RunResultFrame, type SigningKeyPair,
} from '../../protocol/index.js';
import { makeDispatch, type MakeDispatchOptions } from '../../protocol/test-fixtures.js';

/** Options of {@link startSimProxy}. */
export interface SimProxyOptions {
  /** Channels to start (ids); default one, `ch-a`. */
  channels?: string[];
  /** Enrolment token required at registration; default `enrol-token-for-tests`. */
  token?: string;
  /** Heartbeat interval handed out; default 1000 ms (the channel's minimum is what the schema allows). */
  heartbeatMs?: number;
  /** Answer results with result.ack; default true (false leaves them unacknowledged). */
  ackResults?: boolean;
}

/**
 * A stand-in for the proxy in agent tests, speaking the real protocol: a ConfigService
 * (`POST /v1/agents/register` on a real HTTP port), real channels over the in-process
 * transport, a signing key, and the results consumer that records what agents report and
 * answers with result acks. It is not the proxy: no database; the proxy's own tests cover it.
 */
export interface SimProxy {
  url: string;
  key: SigningKeyPair;
  transport: Transport;
  channels: Map<string, RunningChannel>;
  /** Every message channels sent to the proxy. */
  messages: ChannelToProxy[];
  /** Results by run id, in arrival order (duplicates kept: the count shows re-reports). */
  results(runId: string): RunResultFrame[];
  /** Where each agent is, from route changes. */
  routes: Map<string, string>;
  registrations: number;
  /** Which channel ids registration offers (tests change it to move agents). */
  offered: Set<string>;
  ackResults: boolean;
  /** Sign and send a run to the agent's current channel; resolves with the dispatch. */
  dispatch(agentId: string, o?: MakeDispatchOptions): Promise<RunDispatchFrame>;
  /** Send an already built (maybe forged) dispatch through the agent's channel. */
  send(frame: RunDispatchFrame, channelId?: string): Promise<void>;
  startChannel(id: string): Promise<RunningChannel>;
  stopChannel(id: string): Promise<void>;
  /** Refuse every credential issued so far (the next hello gets 4401). */
  revokeCredentials(): void;
  close(): Promise<void>;
}

/** Start a {@link SimProxy}. */
export async function startSimProxy(options: SimProxyOptions = {}): Promise<SimProxy> {
  const token = options.token ?? 'enrol-token-for-tests';
  const key = generateSigningKey();
  const transport = createInProcessTransport();
  const credentials = new Map<string, string>();
  const channels = new Map<string, RunningChannel>();
  const messages: ChannelToProxy[] = [];
  const routes = new Map<string, string>();
  const authenticator = createBatchingAuthenticator({
    verifyMany: async (creds) => creds.map((c) => credentials.get(c.agentId) === c.credential),
  });
  const sim = {} as SimProxy;
  const consumer = transport.consumeProxy(async (ms) => {
    for (const m of ms) {
      messages.push(m);
      if (m.type === 'route.changes') {
        for (const o of m.online) routes.set(o.agentId, m.channelId);
        for (const o of m.offline) if (routes.get(o.agentId) === m.channelId) routes.delete(o.agentId);
      }
      if (m.type === 'run.result' && sim.ackResults) {
        await transport.sendToChannel(m.channelId, [{ type: 'result.ack', v: PROTOCOL_VERSION, agentId: m.agentId, runIds: [m.result.runId] }]);
      }
    }
  });
  const startOne = async (id: string) => {
    // Result acks go out at once (no bulk-lane hold): agent tests time re-sends against them.
    const ch = await startChannel({ channelId: id, idc: 'test', transport, authenticator, flushMs: 5, heartbeatMs: options.heartbeatMs ?? 1000, resultAckDelayMs: 0 });
    channels.set(id, ch);
    return ch;
  };
  for (const id of options.channels ?? ['ch-a']) await startOne(id);
  const offered = new Set(channels.keys());

  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/v1/agents/register') return reply(404, { code: 'PROXY-USR-ROUTE_NOT_FOUND' });
      if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { code: 'PROXY-USR-UNAUTHORIZED' });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { code: 'PROXY-USR-MALFORMED_JSON' });
      }
      const parsed = registerRequest.safeParse(body);
      if (!parsed.success) return reply(422, { code: 'PROXY-USR-VALIDATION_FAILED' });
      sim.registrations++;
      const r = parsed.data;
      const agentId = r.agentId ?? randomUUID();
      const keep = r.credential !== undefined && credentials.get(agentId) === r.credential;
      const credential = keep ? r.credential! : randomBytes(24).toString('base64url');
      credentials.set(agentId, credential);
      const out: RegisteredResponse = {
        type: 'registered', v: PROTOCOL_VERSION, agentId, credential, hostId: 1, heartbeatMs: options.heartbeatMs ?? 1000,
        channels: [...channels.values()].filter((c) => offered.has(c.channelId)).map((c) => ({ id: c.channelId, url: c.url, load: c.connections() / 100 })),
        signingKeys: [{ keyId: key.keyId, publicKey: key.publicKeyBase64 }], serverTime: Date.now(),
      };
      reply(200, out);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const send = async (frame: RunDispatchFrame, channelId?: string) => {
    const ch = channelId ?? routes.get(frame.agentId);
    if (!ch) throw new Error(`agent ${frame.agentId} is not routed`);
    await transport.sendToChannel(ch, [{ type: 'run.dispatch', v: PROTOCOL_VERSION, frame }]);
  };
  Object.assign(sim, {
    url, key, transport, channels, messages, routes, registrations: 0, offered, ackResults: options.ackResults ?? true,
    results: (runId: string) => messages.flatMap((m) => (m.type === 'run.result' && m.result.runId === runId ? [m.result] : [])),
    dispatch: async (agentId: string, o: MakeDispatchOptions = {}) => {
      const d = makeDispatch(key, { ...o, agentId });
      await send(d);
      return d;
    },
    send,
    startChannel: async (id: string) => {
      const ch = await startOne(id);
      offered.add(id);
      return ch;
    },
    stopChannel: async (id: string) => {
      offered.delete(id);
      await channels.get(id)?.close();
      channels.delete(id);
    },
    revokeCredentials: () => credentials.clear(),
    close: async () => {
      for (const ch of channels.values()) await ch.close();
      await consumer.close();
      await transport.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  } satisfies Partial<SimProxy>);
  return sim;
}
