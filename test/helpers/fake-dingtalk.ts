import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** One request the fake DingTalk received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  at: number;
}

/** One frame a Stream client sent back (ACKs, ping echoes). */
export interface RecordedUpstream {
  code: number;
  headers: Record<string, string>;
  message: string;
  data: string;
  at: number;
}

/** A scripted answer: HTTP status and JSON body. */
export interface FakeAnswer {
  status?: number;
  body: unknown;
}

/** Options of {@link startFakeDingtalk}. */
export interface FakeDingtalkOptions {
  /** access_token of the custom robot; default `robot-token`. */
  robotToken?: string;
  /** SEC… secret the custom robot checks signs with; default none (no sign check). */
  robotSecret?: string;
  /** App credentials for the OpenAPI and the Stream gateway; default `ding-app` / `app-secret`. */
  clientId?: string;
  clientSecret?: string;
  /** Emulate DingTalk's limit: more than `max` sends per robot within `windowMs` get 130101. Default none. */
  rateLimit?: { max: number; windowMs: number };
}

/** Compute DingTalk's documented signature independently of the code under test. */
export function referenceSign(timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(timestamp + '\n' + secret, 'utf8').digest('base64');
}

/**
 * A local stand-in for DingTalk: session webhooks, the custom-robot send API (with sign check),
 * the OpenAPI access token and group/1:1 send, and the Stream gateway plus its WebSocket. It
 * records everything it receives and answers with DingTalk's documented errcodes
 * (130101 too fast, 300001 session/token gone, 310000 sign not match).
 */
export async function startFakeDingtalk(options: FakeDingtalkOptions = {}) {
  const robotToken = options.robotToken ?? 'robot-token';
  const clientId = options.clientId ?? 'ding-app';
  const clientSecret = options.clientSecret ?? 'app-secret';
  const requests: RecordedRequest[] = [];
  const upstream: RecordedUpstream[] = [];
  const scripted = new Map<string, FakeAnswer[]>();
  const expiredSessions = new Set<string>();
  const sendTimes = new Map<string, number[]>();
  const tickets = new Set<string>();
  const sockets = new Set<WebSocket>();
  const accessToken = `tok-${randomUUID()}`;
  let rateViolations = 0;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  function overLimit(robot: string, now: number): boolean {
    if (!options.rateLimit) return false;
    const list = (sendTimes.get(robot) ?? []).filter((t) => t > now - options.rateLimit!.windowMs);
    list.push(now);
    sendTimes.set(robot, list);
    if (list.length > options.rateLimit.max) {
      rateViolations++;
      return true;
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* keep raw text */
    }
    const now = Date.now();
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body, at: now });
    const queue = scripted.get(url.pathname);
    if (queue && queue.length > 0) {
      const a = queue.shift()!;
      return json(res, a.status ?? 200, a.body);
    }
    switch (url.pathname) {
      case '/robot/sendBySession': {
        const session = url.searchParams.get('session') ?? '';
        if (expiredSessions.has(session)) return json(res, 200, { errcode: 300001, errmsg: 'session 不存在' });
        if (overLimit('app', now)) return json(res, 200, { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
        return json(res, 200, { errcode: 0, errmsg: 'ok' });
      }
      case '/robot/send': {
        if (url.searchParams.get('access_token') !== robotToken) return json(res, 200, { errcode: 300001, errmsg: 'token is not exist' });
        if (options.robotSecret) {
          const ts = url.searchParams.get('timestamp') ?? '';
          const sign = url.searchParams.get('sign') ?? '';
          if (!/^\d+$/.test(ts) || Math.abs(now - Number(ts)) > 3_600_000) return json(res, 200, { errcode: 310000, errmsg: 'invalid timestamp' });
          if (sign !== referenceSign(ts, options.robotSecret)) return json(res, 200, { errcode: 310000, errmsg: 'sign not match' });
        }
        if (overLimit('custom', now)) return json(res, 200, { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
        return json(res, 200, { errcode: 0, errmsg: 'ok' });
      }
      case '/v1.0/oauth2/accessToken': {
        const b = body as { appKey?: string; appSecret?: string } | undefined;
        if (b?.appKey !== clientId || b?.appSecret !== clientSecret) return json(res, 400, { code: 'invalidClientIdOrSecret', message: 'bad credentials' });
        return json(res, 200, { accessToken, expireIn: 7200 });
      }
      case '/v1.0/robot/groupMessages/send':
      case '/v1.0/robot/oToMessages/batchSend': {
        if (req.headers['x-acs-dingtalk-access-token'] !== accessToken) return json(res, 401, { code: 'InvalidAuthentication', message: 'bad token' });
        return json(res, 200, { processQueryKey: randomUUID() });
      }
      case '/v1.0/gateway/connections/open': {
        const b = body as { clientId?: string; clientSecret?: string } | undefined;
        if (b?.clientId !== clientId || b?.clientSecret !== clientSecret) return json(res, 401, { code: 'InvalidAuthentication' });
        const ticket = randomUUID();
        tickets.add(ticket);
        return json(res, 200, { endpoint: `ws://127.0.0.1:${port}/connect`, ticket });
      }
      default:
        return json(res, 404, { errcode: 404, errmsg: 'not found' });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => json(res, 500, { errcode: -1, errmsg: String(err) }));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/connect' || !tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (raw) => {
        try {
          upstream.push({ ...(JSON.parse(String(raw)) as Omit<RecordedUpstream, 'at'>), at: Date.now() });
        } catch {
          /* ignore non-JSON */
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  function sendFrame(frame: unknown) {
    const list = [...sockets];
    if (list.length === 0) throw new Error('no stream client connected');
    // DingTalk picks one connection at random per push.
    list[Math.floor(Math.random() * list.length)]!.send(JSON.stringify(frame));
  }

  return {
    url,
    port,
    requests,
    upstream,
    clientId,
    clientSecret,
    robotToken,
    /** Sends per robot beyond the emulated limit. */
    get rateViolations() {
      return rateViolations;
    },
    /** Number of Stream connections open. */
    get streamConnections() {
      return sockets.size;
    },
    /** The sessionWebhook URL of a session id. */
    sessionWebhook: (session: string) => `${url}/robot/sendBySession?session=${encodeURIComponent(session)}`,
    /** The custom robot's webhook URL. */
    robotWebhook: () => `${url}/robot/send?access_token=${robotToken}`,
    /** Make a session answer 300001 from now on. */
    expireSession: (session: string) => expiredSessions.add(session),
    /** Answer the next requests to `path` with these, in order, before the default behaviour resumes. */
    script: (path: string, ...answers: FakeAnswer[]) => scripted.set(path, [...(scripted.get(path) ?? []), ...answers]),
    /** Requests to one path. */
    to: (path: string) => requests.filter((r) => r.path === path),
    /** Push a robot message as a Stream CALLBACK frame (documented frame format); returns the frame's messageId. */
    pushRobotMessage(message: unknown, messageId = `${randomUUID().slice(0, 8)}_${Date.now().toString(16)}`) {
      sendFrame({
        specVersion: '1.0',
        type: 'CALLBACK',
        headers: { appId: 'fake-app', connectionId: 'c1', contentType: 'application/json', messageId, time: String(Date.now()), topic: '/v1.0/im/bot/messages/get' },
        data: JSON.stringify(message),
      });
      return messageId;
    },
    /** Send a SYSTEM ping frame; the client must echo its data. */
    ping(opaque = randomUUID()) {
      sendFrame({ specVersion: '1.0', type: 'SYSTEM', headers: { contentType: 'application/json', messageId: `ping-${opaque}`, time: String(Date.now()), topic: 'ping' }, data: JSON.stringify({ opaque }) });
      return opaque;
    },
    /** Drop every Stream connection (the client should reconnect). */
    dropStreams() {
      for (const s of sockets) s.terminate();
    },
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A running fake DingTalk. */
export type FakeDingtalk = Awaited<ReturnType<typeof startFakeDingtalk>>;
