import WebSocket from 'ws';
import {
  channelToAgent, encodeFrame, parseFrame, PROTOCOL_VERSION, type ChannelToAgent, type HeartbeatFrame, type RunDispatchFrame,
  type RunResultFrame,
} from '../../protocol/index.js';

/** One simulated agent's identity. */
export interface SimAgentIdentity {
  agentId: string;
  credential: string;
}

/** Options of {@link startAgentSim}. */
export interface AgentSimOptions {
  /** Channel URL (ws://…). */
  url: string;
  agents: SimAgentIdentity[];
  /** How a run is answered; default: succeed at once with `ok\n` on stdout. Return null to send no result. */
  answer?: (dispatch: RunDispatchFrame) => Partial<RunResultFrame> | null;
  /** Send `run.ack` on dispatch; default true (false simulates a lost ack). */
  ack?: boolean;
  /** Open at most this many connections at once while connecting; default 200. */
  connectConcurrency?: number;
  /**
   * Validate every frame against the protocol schema, and keep it in `received`; default true.
   * The benchmark turns it off: its 10,000 "hosts" share one process here, and a real agent
   * spends that CPU on its own host (frames are still JSON-parsed and answered alike).
   */
  strict?: boolean;
}

/** A simulator process-part holding N agents over real WebSockets. */
export interface AgentSim {
  /** Connections that got `welcome`. */
  welcomed(): number;
  /** Every frame received, by agent id (dispatches, result acks, errors, rebalance). */
  received: Map<string, ChannelToAgent[]>;
  /** Close codes seen, by agent id. */
  closes: Map<string, number>;
  /** Dispatches answered. */
  answered(): number;
  /** Send a raw frame as one agent (tests of bad input). */
  sendRaw(agentId: string, data: string | Buffer): void;
  /** Send one heartbeat from every connected agent. */
  heartbeatAll(): void;
  /** Close one agent's connection. */
  drop(agentId: string): void;
  close(): Promise<void>;
}

/** A heartbeat frame with plausible health and metrics. */
export function simHeartbeat(seq: number): HeartbeatFrame {
  return {
    type: 'heartbeat', v: PROTOCOL_VERSION, seq, at: Date.now(),
    health: { version: 'sim', uptimeMs: 1000, unreportedResults: 0, executor: { state: 'ok', running: 0, queued: 0, hangs: 0, lastProgressAt: null } },
    metrics: { load: [0.1, 0.2, 0.3], cpus: 2, mounts: [{ mount: '/', usedBytes: 1, totalBytes: 10 }] },
  };
}

/**
 * Hold `agents.length` agents that speak the real protocol over real WebSocket connections
 * to one channel, answering runs without spawning processes. For channel tests and the
 * fan-out benchmark (which runs it in its own process).
 */
export async function startAgentSim(options: AgentSimOptions): Promise<AgentSim> {
  const sockets = new Map<string, WebSocket>();
  const received = new Map<string, ChannelToAgent[]>();
  const closes = new Map<string, number>();
  let welcomed = 0;
  let answered = 0;
  let seq = 0;
  const answer = options.answer ?? (() => ({}));
  const strict = options.strict ?? true;
  const parse = (data: Buffer): ChannelToAgent | null => {
    if (!strict) {
      try {
        return JSON.parse(data.toString('utf8')) as ChannelToAgent;
      } catch {
        return null;
      }
    }
    const p = parseFrame(data, channelToAgent);
    return p.ok ? p.frame : null;
  };
  const connectOne = (a: SimAgentIdentity) =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(options.url, { perMessageDeflate: false });
      sockets.set(a.agentId, ws);
      ws.on('open', () => {
        ws.send(encodeFrame({ type: 'hello', v: PROTOCOL_VERSION, agentId: a.agentId, credential: a.credential, agentVersion: 'sim' }));
      });
      ws.on('message', (data: Buffer) => {
        const f = parse(data);
        if (!f) return;
        if (f.type === 'welcome') {
          welcomed++;
          resolve();
          return;
        }
        if (strict) {
          let list = received.get(a.agentId);
          if (!list) received.set(a.agentId, (list = []));
          list.push(f);
        }
        if (f.type === 'run.dispatch') {
          if (options.ack ?? true) ws.send(encodeFrame({ type: 'run.ack', v: PROTOCOL_VERSION, runId: f.runId, duplicate: false, at: Date.now() }));
          const extra = answer(f);
          if (extra === null) return;
          const now = Date.now();
          const result: RunResultFrame = {
            type: 'run.result', v: PROTOCOL_VERSION, runId: f.runId, taskId: f.taskId, outcome: 'SUCCEEDED', exitCode: 0, signal: null,
            durationMs: 0, startedAt: now, finishedAt: now, stdout: 'ok\n', stderr: '', stdoutTruncated: false, stderrTruncated: false,
            error: null, ...extra,
          };
          answered++;
          ws.send(encodeFrame(result));
        }
      });
      ws.on('close', (code) => {
        closes.set(a.agentId, code);
        resolve();
      });
      ws.on('error', () => resolve());
    });
  const limit = options.connectConcurrency ?? 200;
  for (let i = 0; i < options.agents.length; i += limit) {
    await Promise.all(options.agents.slice(i, i + limit).map(connectOne));
  }
  return {
    welcomed: () => welcomed,
    received,
    closes,
    answered: () => answered,
    sendRaw: (agentId, data) => sockets.get(agentId)?.send(data),
    heartbeatAll: () => {
      seq++;
      for (const ws of sockets.values()) if (ws.readyState === ws.OPEN) ws.send(encodeFrame(simHeartbeat(seq)));
    },
    drop: (agentId) => sockets.get(agentId)?.close(),
    close: async () => {
      await Promise.all(
        [...sockets.values()].map(
          (ws) =>
            new Promise<void>((r) => {
              if (ws.readyState === ws.CLOSED) return r();
              ws.once('close', () => r());
              ws.terminate();
            }),
        ),
      );
    },
  };
}
