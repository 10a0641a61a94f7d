import { createRequire } from 'node:module';

// nsyslog-parser is CommonJS without types: a function (line, opts) → entry. It never throws
// on ordinary input, but we still guard the call (see parseSyslog).
const require = createRequire(import.meta.url);
const nsyslogParse = require('nsyslog-parser') as (line: string, opts?: Record<string, unknown>) => NsyslogEntry;

interface NsyslogEntry {
  type?: string;
  prival?: number | null;
  facilityval?: number;
  levelval?: number;
  ts?: Date;
  host?: string;
  appName?: string;
  pid?: string;
  message?: string;
}

const NSYSLOG_OPTIONS = Object.freeze({ cef: false, leef: false, fields: false, generateTimestamp: false });

/** The wire or file shape a line was read as. */
export type SyslogFormat = 'rfc5424' | 'rfc3164' | 'pri-iso' | 'file-bsd' | 'file-iso' | 'raw';

/** One syslog message split into its fields. */
export interface ParsedSyslog {
  format: SyslogFormat;
  facility: number | null;
  severity: number | null;
  /** HOSTNAME field as the sender wrote it. */
  hostname: string | null;
  app: string | null;
  pid: string | null;
  /** Time the sender put in the message; null when absent or unreadable. */
  reportedAt: Date | null;
  message: string;
}

/** Most characters of a message kept (the receiver also bounds bytes before parsing). */
export const MAX_MESSAGE_CHARS = 4096;

// Shapes nsyslog-parser cannot read (measured in the research note, §3.5): an ISO timestamp
// after a PRI (rsyslog's RSYSLOG_ForwardFormat), and file lines without a PRI in either
// timestamp style (relayed files, imfile). This thin pre-parser handles only those.
const PRI_ISO = /^<(\d{1,3})>(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)) (\S{1,255}) ([^:[\s]{1,64})(?:\[(\d{1,10})\])?: ?([\s\S]*)$/;
const FILE_LINE = /^(?:([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d)|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d))) (\S{1,255}) ([^:[]{1,64}?)(?:\[(\d{1,10})\])?: ?([\s\S]*)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Postgres text cannot hold NUL; other C0 controls (but tab) are made visible as spaces.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
// Lone UTF-16 surrogates (only from callers passing odd strings) cannot be stored as JSON/text.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const clean = (s: string) => s.replace(CONTROL, ' ').replace(LONE_SURROGATE, '\ufffd').slice(0, MAX_MESSAGE_CHARS);
const nil = (s: string | undefined | null) => (s === undefined || s === null || s === '' || s === '-' ? null : clean(s).slice(0, 255));

function validDate(d: Date | undefined | null): Date | null {
  return d instanceof Date && Number.isFinite(d.getTime()) ? d : null;
}

// Senders repeat the same second many times: remember the last few conversions.
const bsdCache = new Map<string, Date | null>();

/** A BSD timestamp has no year: take the receive year, one less if that lands > 2 days ahead. */
function bsdDate(mon: string, day: string, time: string, receivedAt: Date): Date | null {
  const year = receivedAt.getUTCFullYear();
  const key = `${year} ${mon} ${day} ${time}`;
  const hit = bsdCache.get(key);
  if (hit !== undefined && (hit === null || hit.getTime() <= receivedAt.getTime() + 2 * 86_400_000)) return hit;
  const m = MONTHS.indexOf(mon);
  if (m < 0) return null;
  const hh = Number(time.slice(0, 2)), mm = Number(time.slice(3, 5)), ss = Number(time.slice(6, 8));
  let d = new Date(Date.UTC(year, m, Number(day), hh, mm, ss));
  if (d.getTime() > receivedAt.getTime() + 2 * 86_400_000) d = new Date(Date.UTC(year - 1, m, Number(day), hh, mm, ss));
  const out = validDate(d);
  if (bsdCache.size > 256) bsdCache.clear();
  if (out && out.getUTCFullYear() === year) bsdCache.set(key, out);
  return out;
}

/**
 * Parse one syslog message: RFC 5424 and RFC 3164 with PRI through nsyslog-parser; the
 * shapes it cannot read through a small pre-parser; anything else kept whole as `raw`.
 * Never throws.
 */
export function parseSyslog(input: string, receivedAt: Date): ParsedSyslog {
  const text = input.replace(/^\uFEFF/, '').replace(/[\r\n]+$/, '');
  const iso = PRI_ISO.exec(text);
  if (iso && Number(iso[1]) <= 191) {
    const pri = Number(iso[1]);
    return { format: 'pri-iso', facility: pri >> 3, severity: pri & 7, hostname: nil(iso[3]), app: nil(iso[4]), pid: nil(iso[5]), reportedAt: validDate(new Date(iso[2]!)), message: clean(iso[6] ?? '') };
  }
  const pri = /^<(\d{1,3})>/.exec(text);
  if (pri && Number(pri[1]) <= 191) {
    let e: NsyslogEntry | undefined;
    try {
      e = nsyslogParse(text, NSYSLOG_OPTIONS);
    } catch {
      e = undefined;
    }
    const prival = Number(pri[1]);
    if (e && (e.type === 'RFC5424' || e.type === 'BSD')) {
      let reportedAt = validDate(e.ts);
      if (e.type === 'BSD') {
        const m = /^<\d{1,3}>([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d:\d\d:\d\d) /.exec(text);
        reportedAt = m ? bsdDate(m[1]!, m[2]!, m[3]!, receivedAt) : reportedAt;
      }
      return {
        format: e.type === 'RFC5424' ? 'rfc5424' : 'rfc3164',
        facility: prival >> 3, severity: prival & 7,
        hostname: nil(e.host), app: nil(e.appName), pid: nil(e.pid), reportedAt,
        message: clean((e.message ?? '').replace(/^\uFEFF/, '').replace(/^BOM/, '')),
      };
    }
    return { format: 'raw', facility: prival >> 3, severity: prival & 7, hostname: null, app: null, pid: null, reportedAt: null, message: clean(text.slice(pri[0].length)) };
  }
  const f = FILE_LINE.exec(text);
  if (f) {
    const reportedAt = f[4] ? validDate(new Date(f[4])) : bsdDate(f[1]!, f[2]!, f[3]!, receivedAt);
    return { format: f[4] ? 'file-iso' : 'file-bsd', facility: null, severity: null, hostname: nil(f[5]), app: nil(f[6]?.trim()), pid: nil(f[7]), reportedAt, message: clean(f[8] ?? '') };
  }
  return { format: 'raw', facility: null, severity: null, hostname: null, app: null, pid: null, reportedAt: null, message: clean(text) };
}
