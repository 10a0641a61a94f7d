import { DWClient, TOPIC_ROBOT, type DWClientDownStream } from 'dingtalk-stream';
import { z } from 'zod';
import { backoffDelay, sleep, type Logger } from '../../core/index.js';

/** Options of {@link DingtalkStreamReceiver}. */
export interface DingtalkStreamOptions {
  clientId: string;
  clientSecret: string;
  /** OpenAPI base; the gateway is `<apiBase>/v1.0/gateway/connections/open`. Default `https://api.dingtalk.com`. */
  apiBase?: string | undefined;
  /**
   * Called with each robot message (the parsed `data` of a CALLBACK frame) before the frame is
   * acknowledged: persist or enqueue it here. When it throws, the frame is left unacknowledged
   * so DingTalk may redeliver it.
   */
  onMessage(body: unknown, frame: { messageId: string }): Promise<void>;
  log: Logger;
  /** First reconnect delay, ms; default 1,000 (doubled per failure, with jitter). */
  reconnectBaseMs?: number;
  /** Largest reconnect delay, ms; default 60,000. */
  reconnectMaxMs?: number;
  /** Largest frame `data` accepted, bytes; default 256 KiB. */
  maxDataBytes?: number;
}

const endpointAnswer = z.object({ endpoint: z.string().regex(/^wss?:\/\//).max(2048), ticket: z.string().min(1).max(1024) });

/**
 * The official client with two changes: the gateway URL is configurable (the package
 * hard-codes api.dingtalk.com; tests point it at a local server) and reconnects back off
 * exponentially with jitter and stop for good once closed (the package retries every second
 * and, after disconnect(), a pending retry would reconnect).
 */
class StarlingDWClient extends DWClient {
  private failures = 0;
  constructor(
    opts: { clientId: string; clientSecret: string; keepAlive: boolean; debug: boolean; ua: string },
    private readonly gatewayUrl: string,
    private readonly stop: AbortSignal,
    private readonly backoff: { baseMs: number; maxMs: number },
    private readonly log: Logger,
  ) {
    super(opts);
  }

  override async getEndpoint(): Promise<this> {
    const res = await fetch(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ clientId: this.config.clientId, clientSecret: this.config.clientSecret, ua: this.config.ua, subscriptions: this.config.subscriptions }),
      signal: AbortSignal.any([this.stop, AbortSignal.timeout(10_000)]),
      redirect: 'error',
    });
    const parsed = endpointAnswer.safeParse(await res.json().catch(() => null));
    if (res.status !== 200 || !parsed.success) throw new Error(`stream gateway answered HTTP ${res.status} without endpoint and ticket`);
    // The package keeps the URL in a private field; its own getEndpoint sets it the same way.
    (this as unknown as { dw_url: string }).dw_url = `${parsed.data.endpoint}?ticket=${encodeURIComponent(parsed.data.ticket)}`;
    return this;
  }

  /** The package starts a heartbeat interval per connection and clears only the last one. */
  stopHeartbeat(): void {
    const self = this as unknown as { heartbeatIntervallId?: NodeJS.Timeout };
    if (self.heartbeatIntervallId !== undefined) clearInterval(self.heartbeatIntervallId);
    self.heartbeatIntervallId = undefined;
  }

  override async _connect(): Promise<void> {
    this.stopHeartbeat();
    await super._connect();
    this.failures = 0;
    this.log.info('dingtalk stream connected');
  }

  override async connect(): Promise<void> {
    if (this.stop.aborted) return;
    if (this.failures > 0) {
      try {
        await sleep(backoffDelay(this.failures - 1, { baseMs: this.backoff.baseMs, maxMs: this.backoff.maxMs }), this.stop);
      } catch {
        return;
      }
    }
    this.failures++;
    await super.connect();
  }

  override onSystem(downstream: DWClientDownStream): void {
    super.onSystem(downstream);
    // DingTalk announces a server-side close with `disconnect`; reconnect now instead of waiting ~10 s.
    if (downstream.headers.topic === 'disconnect') (this as unknown as { socket?: { close(): void } }).socket?.close();
  }
}

/**
 * Receives robot messages over DingTalk Stream mode with the official `dingtalk-stream` client:
 * registers for the robot topic, hands each message to `onMessage`, then acknowledges the frame
 * explicitly (`{"response": null}`). Reconnects by itself until {@link close}.
 */
export class DingtalkStreamReceiver {
  private readonly client: StarlingDWClient;
  private readonly stop = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: DingtalkStreamOptions) {
    const base = (options.apiBase ?? 'https://api.dingtalk.com').replace(/\/+$/, '');
    this.client = new StarlingDWClient(
      { clientId: options.clientId, clientSecret: options.clientSecret, keepAlive: true, debug: false, ua: 'starling-bot' },
      `${base}/v1.0/gateway/connections/open`,
      this.stop.signal,
      { baseMs: options.reconnectBaseMs ?? 1000, maxMs: options.reconnectMaxMs ?? 60_000 },
      options.log,
    );
    this.client.registerCallbackListener(TOPIC_ROBOT, (frame) => void this.onFrame(frame));
  }

  /** Whether the WebSocket is open now. */
  get connected(): boolean {
    return this.client.connected;
  }

  private async onFrame(frame: DWClientDownStream): Promise<void> {
    const messageId = frame.headers?.messageId;
    if (typeof messageId !== 'string' || messageId.length === 0) return;
    const limit = this.options.maxDataBytes ?? 256 * 1024;
    let body: unknown;
    try {
      if (typeof frame.data !== 'string' || Buffer.byteLength(frame.data) > limit) throw new Error('frame data missing or too large');
      body = JSON.parse(frame.data);
    } catch (err) {
      // Redelivering garbage cannot help: acknowledge and drop it, loudly.
      this.options.log.warn({ messageId, err: (err as Error).message }, 'dingtalk stream frame rejected');
      this.client.socketCallBackResponse(messageId, null);
      return;
    }
    try {
      await this.options.onMessage(body, { messageId });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code?.startsWith('BOT-USR-')) {
        this.options.log.warn({ messageId, code }, 'dingtalk stream message rejected');
      } else {
        this.options.log.error({ messageId, err: (err as Error).message }, 'dingtalk stream message not accepted; left unacknowledged');
        return;
      }
    }
    this.client.socketCallBackResponse(messageId, null);
  }

  /** Connect (and keep reconnecting in the background). Resolves after the first attempt. */
  async start(): Promise<void> {
    await this.client.connect();
  }

  /** Disconnect and stop reconnecting. Safe to call twice. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.stop.abort();
      this.client.disconnect();
      this.client.stopHeartbeat();
    })());
  }
}
