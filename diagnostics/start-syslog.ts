import type { Context } from '../runtime/index.js';
import { createSyslogStore } from './store/syslog-store.js';
import { startSyslogReceiver, type SyslogReceiver } from './syslog/syslog-receiver.js';

/**
 * Start the syslog receiver of `starling server` from DIAG_SYSLOG_* settings, storing into
 * the context's database. Returns null when DIAG_SYSLOG_ENABLED is false. Call `close()`
 * on shutdown (safe twice).
 */
export async function startDiagnosticsSyslog(ctx: Context): Promise<SyslogReceiver | null> {
  const c = ctx.config;
  if (!c.DIAG_SYSLOG_ENABLED) return null;
  const r = await startSyslogReceiver({
    host: c.DIAG_SYSLOG_HOST,
    udpPort: c.DIAG_SYSLOG_UDP_PORT,
    tcpPort: c.DIAG_SYSLOG_TCP_PORT,
    maxMessageBytes: c.DIAG_SYSLOG_MAX_MESSAGE_BYTES,
    maxConnections: c.DIAG_SYSLOG_MAX_CONNECTIONS,
    store: createSyslogStore(() => ctx.db),
    log: ctx.log,
  });
  ctx.log.info({ udpPort: r.udpPort, tcpPort: r.tcpPort }, 'syslog receiver listening');
  return r;
}
