import { cmdbCommand as runCmdb, CMDB_USAGE } from '../../cmdb-sync/index.js';
import { collectCommand as runCollect } from '../../collector/index.js';
import { diagnoseCommand as runDiagnose, DIAGNOSE_USAGE } from '../../diagnostics/index.js';
import type { Command } from '../command.js';

/** `starling collect`: the collector's SN/IP/hostname facts of this machine (or of a captured root). */
export const collectCommand: Command = {
  name: 'collect',
  summary: 'Print this machine\'s SN, IP and hostname as the collection spec finds them',
  usage: `starling collect [--root DIR] [--json]

Applies the shared collection spec (collector/spec/) and prints each fact with its provenance.
--root reads /sys, /proc and /etc below DIR (a captured machine). Exit 0 also when no valid SN
was found: that is a result, printed as such.`,
  run: (argv, io) => runCollect(argv, io),
};

/** `starling cmdb`: import, reconcile, pull from NetBox. */
export const cmdbCommand: Command = {
  name: 'cmdb',
  summary: 'Import CMDB records, reconcile them with agent facts, pull from NetBox',
  usage: CMDB_USAGE,
  run: (argv, io) => runCmdb(argv, io),
};

/** `starling diagnose`: one host's verdict now. */
export const diagnoseCommand: Command = {
  name: 'diagnose',
  summary: 'Diagnose one host now: verdict code, cause, owner and evidence',
  usage: `${DIAGNOSE_USAGE}

Runs every check (ping, ssh, agent, disk, load, syslog, cmdb) against the configured database
and prints the verdict with the rule that fired; --json prints the whole diagnosis.`,
  run: (argv, io) => runDiagnose(argv, io),
};
