import { createHash, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { backoffDelay, onceClose, sleep, StarlingError, type Logger } from '../core/index.js';
import {
  channelToAgent, CLOSE_CODES, DEFAULT_MAX_FRAME_BYTES, encodeFrame, errorFrameFor, importPublicKey, parseFrame,
  PROTOCOL_VERSION, type AgentFacts, type AgentHealth, type ChannelEndpoint, type RunDispatchFrame, type RunResultFrame,
} from '../protocol/index.js';
import { collectAgentFacts } from './collect-agent-facts.js';
import { Executor, type ExecutorOptions } from './executor.js';
import { HostMetricsReader } from './host-metrics.js';
import { loadIdentity, saveIdentity, type AgentIdentity } from './identity.js';
import { Journal } from './journal.js';
import { pickChannel } from './pick-channel.js';
import { registerAgent } from './register-agent.js';
import { checkDispatch } from './verify-run.js';

/** The agent's version, reported at registration and in heartbeats. */
export const AGENT_VERSION = '0.1.0';

/** Options of {@link startAgent}. */
export interface AgentOptions {
  /** Proxy base URL (the ConfigService). */
  server: string;
  /** IDC label sent at registration; default null (the proxy decides). */
  idc?: string | null;
  /** Where the identity and the journal live; default `/var/lib/starling-agent` as root, else `~/.starling-agent`. */
  stateDir?: string;
  /** Shared enrolment token for registration; default none. */
  enrolmentToken?: string;
  /** Facts sent at registration; default {@link collectAgentFacts} (the collector). */
  facts?: () => AgentFacts;
  /**
   * Facts are collected again this often (and once at start when a saved identity skips
   * registration); when they differ from the last ones the proxy accepted, the agent
   * re-registers with its identity, keeping its channel connection. ms; default 3,600,000;
   * 0: facts are sent only when the agent registers anyway.
   */
  factsIntervalMs?: number;
  /** Executor limits: concurrency 16, output cap 65,536 B per stream, kill grace 5 s, hang grace 30 s, start budget 10 s. */
  executor?: Omit<ExecutorOptions, 'onResult' | 'log'>;
  /** Signed dispatches older than this are refused as replays, ms; default 3,600,000. */
  replayWindowMs?: number;
  /** Reconnect backoff: first delay 500 ms, at most 30 s, jittered. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Unacknowledged results are sent again this often, ms; default 30,000. */
  resultResendMs?: number;
  /** Largest frame accepted from the channel, bytes; default 1 MiB. */
  maxFrameBytes?: number;
  /** Time to wait for `welcome` after connecting, ms; default 10,000. */
  helloTimeoutMs?: number;
  log?: Logger;
}

/** A running agent. */
export interface RunningAgent {
  agentId(): string | null;
  /** The channel it is connected to and welcomed by, or null. */
  channelId(): string | null;
  health(): AgentHealth;
  /** Stop: close the connection, kill running commands (reported interrupted after a restart); safe to call twice. */
  close(): Promise<void>;
}

/** The default state directory. */
export function defaultStateDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/starling-agent' : join(homedir(), '.starling-agent');
}

/** File in the state directory holding the digest of the facts the proxy last accepted. */
const SENT_FACTS_FILE = 'facts-sent.sha256';
const factsDigest = (facts: AgentFacts) => createHash('sha256').update(JSON.stringify(facts)).digest('hex');
function readSentFacts(dir: string): string | null {
  try {
    return readFileSync(join(dir, SENT_FACTS_FILE), 'utf8').trim();
  } catch {
    return null; // never saved (first start, or an older agent): the first check re-registers once
  }
}

interface SessionEnd {
  welcomed: boolean;
  code: number;
  rebalance: boolean;
}

/**
 * Start the agent: register (or reuse the saved identity), connect to one channel (random
 * among the least loaded), heartbeat with health and metrics, and take runs: verify, ack at
 * once, journal, execute, report. Reconnects with jittered backoff, moves to another channel
 * when one fails, and re-registers when none answers or its credential is refused. See
 * agent/README.md for its rules.
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const log = options.log;
  const stateDir = options.stateDir ?? defaultStateDir();
  const replayWindowMs = options.replayWindowMs ?? 3_600_000;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const resultResendMs = options.resultResendMs ?? 30_000;
  const startedAt = Date.now();
  const abort = new AbortController();
  const journal = Journal.open({ dir: stateDir });
  if (journal.interrupted.length) log?.warn({ runIds: journal.interrupted, code: 'AGENT-ENV-INTERRUPTED' }, 'runs interrupted by the restart will be reported');
  const metrics = new HostMetricsReader();
  let identity: AgentIdentity | null = loadIdentity(stateDir, options.server);
  let keys = new Map<string, KeyObject>();
  const setIdentity = (id: AgentIdentity) => {
    identity = id;
    keys = new Map(id.registered.signingKeys.map((k) => [k.keyId, importPublicKey(k.publicKey)]));
  };
  if (identity) setIdentity(identity);
  let ws: WebSocket | null = null;
  let welcomedBy: string | null = null;
  /** The channel refused the credential (4401): register again without it. */
  let credentialRefused = false;
  /** Digest of the facts the proxy last accepted (kept across restarts), and the refresh state. */
  let sentFacts: string | null = identity ? readSentFacts(stateDir) : null;
  let registering = false;
  let refreshing: Promise<void> | null = null;
  let factsFailures = 0;
  let factsRetry: NodeJS.Timeout | undefined;
  const rememberFacts = (digest: string) => {
    sentFacts = digest;
    try {
      writeFileSync(join(stateDir, SENT_FACTS_FILE), digest, { mode: 0o600 });
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'could not save the facts digest; the next start re-registers once');
    }
  };
  const lastSent = new Map<string, number>();
  /** Set by the welcomed session: (re)arms its re-send timer, which runs only while results await their ack. */
  let armResend: (() => void) | null = null;

  const send = (frame: object): boolean => {
    if (!ws || !welcomedBy || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encodeFrame(frame));
    return true;
  };
  const sendResult = (r: RunResultFrame) => {
    if (!send(r)) return;
    lastSent.set(r.runId, Date.now());
    armResend?.();
  };

  const executor = new Executor({
    ...options.executor,
    ...(log && { log }),
    onResult: (result) => {
      try {
        journal.finish(result.runId, result);
      } catch (err) {
        // Still report it now; after a restart the run would show as interrupted, never re-run.
        log?.error({ runId: result.runId, err: (err as Error).message }, 'journal write failed');
      }
      sendResult(result);
    },
  });

  const health = (): AgentHealth => ({
    version: AGENT_VERSION, uptimeMs: Date.now() - startedAt, executor: executor.health(),
    unreportedResults: journal.unreported().length, rssBytes: process.memoryUsage.rss(),
  });

  function refuse(d: RunDispatchFrame, err: StarlingError): void {
    log?.warn({ runId: d.runId, code: err.code }, err.message);
    const now = Date.now();
    send({
      type: 'run.result', v: PROTOCOL_VERSION, runId: d.runId, taskId: d.taskId,
      outcome: err.code === 'AGENT-SYS-RUN_EXPIRED' ? 'TIMED_OUT' : err.code === 'AGENT-ENV-JOURNAL_FAILED' ? 'FAILED' : 'REJECTED', exitCode: null, signal: null, durationMs: 0,
      startedAt: null, finishedAt: now, stdout: '', stderr: '', stdoutTruncated: false, stderrTruncated: false,
      error: { code: err.code, message: err.message },
    } satisfies RunResultFrame);
  }

  function onDispatch(d: RunDispatchFrame): void {
    const self = identity!.registered.agentId;
    const problem = checkDispatch(d, { agentId: self, keys, now: Date.now(), replayWindowMs });
    const known = journal.get(d.runId);
    const authentic = !problem || problem.code === 'AGENT-SYS-RUN_REPLAYED' || problem.code === 'AGENT-SYS-RUN_EXPIRED';
    if (known && authentic) {
      // Seen before (a resend): acknowledge again, report again if finished; never run again.
      send({ type: 'run.ack', v: PROTOCOL_VERSION, runId: d.runId, duplicate: true, at: Date.now() });
      if (known.state === 'done' && known.result) sendResult(known.result);
      return;
    }
    if (problem) return refuse(d, problem);
    try {
      journal.start(d.runId, d.taskId, d.deadline + replayWindowMs);
    } catch (err) {
      // Without a durable record the run could be executed twice after a restart: do not run it.
      return refuse(d, new StarlingError('AGENT-ENV-JOURNAL_FAILED', { runId: d.runId, reason: (err as Error).message }));
    }
    send({ type: 'run.ack', v: PROTOCOL_VERSION, runId: d.runId, duplicate: false, at: Date.now() });
    executor.submit(d);
  }

  async function ensureRegistered(force: boolean, leaving?: string): Promise<void> {
    if (identity && !force) return;
    await refreshing; // a facts refresh in flight finishes first, so answers never cross
    registering = true;
    try {
      await registerLoop(leaving);
    } finally {
      registering = false;
    }
  }

  async function registerLoop(leaving: string | undefined): Promise<void> {
    for (let attempt = 0; !abort.signal.aborted; attempt++) {
      try {
        const facts = (options.facts ?? collectAgentFacts)();
        const digest = factsDigest(facts); // before sending: an oversized request drops `collected`
        const registered = await registerAgent({
          server: options.server, idc: options.idc ?? null, agentVersion: AGENT_VERSION, facts,
          enrolmentToken: options.enrolmentToken, agentId: identity?.registered.agentId,
          credential: credentialRefused ? undefined : identity?.registered.credential,
          leavingChannelId: leaving, signal: abort.signal,
        });
        setIdentity({ server: options.server, registered });
        credentialRefused = false;
        saveIdentity(stateDir, identity!);
        rememberFacts(digest);
        log?.info({ agentId: registered.agentId, channels: registered.channels.length }, 'registered');
        return;
      } catch (err) {
        if (abort.signal.aborted) return;
        const delay = backoffDelay(attempt, options.backoff);
        log?.warn({ code: (err as StarlingError).code, err: (err as Error).message, retryInMs: delay }, 'registration failed');
        await sleep(delay, abort.signal).catch(() => {});
      }
    }
  }

  /**
   * Collect the facts again; only when they differ from the last ones the proxy accepted,
   * re-register with the held identity. The connection stays: the channel authenticated it at
   * `hello`, and the proxy keeps the agent id of a verified credential; should it answer with
   * another id, the connection is closed and the loop reconnects as that agent. A failure is
   * logged and tried again at the next interval. Skipped while the loop registers anyway.
   */
  async function refreshFactsOnce(): Promise<void> {
    const held = identity;
    if (!held || registering || credentialRefused || abort.signal.aborted) return;
    let facts: AgentFacts;
    try {
      facts = (options.facts ?? collectAgentFacts)();
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'facts collection failed');
      return;
    }
    const digest = factsDigest(facts);
    if (digest === sentFacts) return;
    try {
      const registered = await registerAgent({
        server: options.server, idc: options.idc ?? null, agentVersion: AGENT_VERSION, facts,
        enrolmentToken: options.enrolmentToken, agentId: held.registered.agentId, credential: held.registered.credential,
        signal: abort.signal,
      });
      setIdentity({ server: options.server, registered });
      saveIdentity(stateDir, identity!);
      rememberFacts(digest);
      log?.info({ agentId: registered.agentId }, 'facts changed: re-registered');
      if (registered.agentId !== held.registered.agentId) ws?.close(CLOSE_CODES.normal, 'agent identity changed');
      factsFailures = 0;
    } catch (err) {
      if (abort.signal.aborted) return;
      // Try again with backoff (bounded by the interval), not only an interval later.
      const delay = Math.min(backoffDelay(factsFailures++, options.backoff), options.factsIntervalMs ?? 3_600_000);
      log?.warn({ code: (err as StarlingError).code, err: (err as Error).message, retryInMs: delay }, 'facts changed but re-registration failed; trying again');
      clearTimeout(factsRetry);
      factsRetry = setTimeout(() => void refreshFacts(), delay).unref();
    }
  }
  const refreshFacts = (): Promise<void> => (refreshing ??= refreshFactsOnce().finally(() => (refreshing = null)));

  function session(ch: ChannelEndpoint): Promise<SessionEnd> {
    return new Promise((resolve) => {
      const reg = identity!.registered;
      const sock = new WebSocket(ch.url, { perMessageDeflate: false, handshakeTimeout: options.helloTimeoutMs ?? 10_000, maxPayload: maxFrameBytes * 4 });
      ws = sock;
      let welcomed = false;
      let rebalance = false;
      let heartbeat: NodeJS.Timeout | undefined;
      let resend: NodeJS.Timeout | undefined;
      let seq = 0;
      let alive = true;
      const helloTimer = setTimeout(() => sock.terminate(), options.helloTimeoutMs ?? 10_000);
      const onAbort = () => {
        sock.close(CLOSE_CODES.normal, 'agent stopping');
        setTimeout(() => sock.terminate(), 1000).unref(); // a channel that never answers the close
      };
      abort.signal.addEventListener('abort', onAbort, { once: true });
      const beat = async () => {
        if (!alive) return sock.terminate(); // no pong since the last beat: the path is dead
        alive = false;
        sock.ping();
        send({ type: 'heartbeat', v: PROTOCOL_VERSION, seq: seq++, at: Date.now(), health: health(), metrics: await metrics.read() });
      };
      sock.on('pong', () => (alive = true));
      sock.on('open', () => {
        sock.send(encodeFrame({ type: 'hello', v: PROTOCOL_VERSION, agentId: reg.agentId, credential: reg.credential, agentVersion: AGENT_VERSION }));
      });
      sock.on('message', (data: Buffer) => {
        alive = true;
        const p = parseFrame(data, channelToAgent, { maxBytes: maxFrameBytes });
        if (!p.ok) {
          log?.warn({ code: p.error.code }, 'bad frame from channel');
          if (welcomed) sock.send(encodeFrame(errorFrameFor(p.error)));
          return;
        }
        const f = p.frame;
        switch (f.type) {
          case 'welcome': {
            clearTimeout(helloTimer);
            welcomed = true;
            welcomedBy = f.channelId;
            log?.info({ channelId: f.channelId, url: ch.url }, 'connected to channel');
            // Results not yet acknowledged are sent again every resultResendMs; the timer is
            // disarmed when none is left, so an idle agent wakes up only to heartbeat.
            armResend = () => {
              resend ??= setInterval(() => {
                const pending = journal.unreported();
                if (pending.length === 0) {
                  clearInterval(resend);
                  resend = undefined;
                  return;
                }
                const now = Date.now();
                for (const r of pending) if (now - (lastSent.get(r.runId) ?? 0) >= resultResendMs) sendResult(r);
              }, Math.max(1000, Math.floor(resultResendMs / 2)));
            };
            for (const r of journal.unreported()) sendResult(r);
            heartbeat = setInterval(() => void beat(), f.heartbeatMs);
            void beat();
            return;
          }
          case 'run.dispatch':
            if (welcomed) onDispatch(f);
            return;
          case 'result.ack':
            journal.acked(f.runIds);
            for (const id of f.runIds) lastSent.delete(id);
            return;
          case 'rebalance':
            rebalance = f.reregister || f.reason !== 'requested';
            setTimeout(() => sock.close(CLOSE_CODES.normal, 'rebalance'), Math.floor(Math.random() * f.withinMs)).unref();
            return;
          case 'error':
            log?.warn({ code: f.error.code, runId: f.runId }, f.error.message);
            return;
        }
      });
      sock.on('error', (err) => log?.debug({ err: err.message, url: ch.url }, 'channel connection error'));
      sock.on('close', (code) => {
        clearTimeout(helloTimer);
        clearInterval(heartbeat);
        clearInterval(resend);
        resend = undefined;
        if (welcomed) armResend = null;
        abort.signal.removeEventListener('abort', onAbort);
        if (ws === sock) ws = null;
        welcomedBy = null;
        if (welcomed) log?.info({ code, channelId: ch.id }, 'disconnected from channel');
        resolve({ welcomed, code, rebalance });
      });
    });
  }

  const loop = async () => {
    let attempt = 0;
    let force = false;
    let leaving: string | undefined;
    const failed = new Set<string>();
    while (!abort.signal.aborted) {
      await ensureRegistered(force, leaving);
      force = false;
      leaving = undefined;
      if (abort.signal.aborted) break;
      const ch = pickChannel(identity!.registered.channels, failed);
      if (!ch) {
        force = true;
        failed.clear();
        await sleep(backoffDelay(attempt++, options.backoff), abort.signal).catch(() => {});
        continue;
      }
      const end = await session(ch);
      if (abort.signal.aborted) break;
      if (end.welcomed) {
        attempt = 0;
        failed.clear();
      }
      if (end.code === CLOSE_CODES.authFailed) {
        // The credential is no longer valid: register afresh (the proxy matches the host by its facts).
        credentialRefused = true;
        force = true;
      } else if (end.rebalance || end.code === CLOSE_CODES.full || end.code === CLOSE_CODES.goingAway) {
        force = true;
        leaving = ch.id;
        failed.add(ch.id);
      } else if (!end.welcomed) {
        failed.add(ch.id);
      }
      if (end.rebalance) continue; // the rebalance frame already spread the reconnects in time
      await sleep(backoffDelay(end.welcomed ? 0 : attempt++, options.backoff), abort.signal).catch(() => {});
    }
  };
  const done = loop();
  // Facts refresh: nothing runs between intervals; the timer does not keep the process alive.
  const factsIntervalMs = options.factsIntervalMs ?? 3_600_000;
  const factsTimer = factsIntervalMs > 0 ? setInterval(() => void refreshFacts(), factsIntervalMs).unref() : undefined;
  if (factsTimer && identity) void refreshFacts(); // a saved identity skips registration: facts may have changed while the agent was down

  return {
    agentId: () => identity?.registered.agentId ?? null,
    channelId: () => welcomedBy,
    health,
    close: onceClose(async () => {
      clearInterval(factsTimer);
      clearTimeout(factsRetry);
      abort.abort();
      await done;
      await refreshing;
      executor.close();
      journal.close();
    }),
  };
}
