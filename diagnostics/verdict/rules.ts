import type { ErrorCode } from '../../core/index.js';
import type { CheckName, CheckStatus } from '../types.js';

/** One condition on one check's result. */
export interface RuleCondition {
  check: CheckName;
  /** The check's status is one of these. */
  status?: CheckStatus[];
  /** The check's finding is one of these. */
  finding?: string[];
}

/** Words in both languages; `{check.field}` placeholders read the named check's evidence. */
export interface Bilingual {
  en: string;
  zh: string;
}

/** One row of the verdict table. */
export interface VerdictRule {
  /** Named in every verdict it produces, so the answer is explainable. */
  name: string;
  /** All of these hold. */
  all?: RuleCondition[];
  /** None of these hold. */
  none?: RuleCondition[];
  /** The run failed with one of these codes (omitted: any run, or no run). */
  runCodes?: string[];
  /** Catalogued verdict code; null for a healthy host. */
  code: ErrorCode | null;
  outcome: 'fault' | 'healthy' | 'inconclusive';
  cause: Bilingual;
  action: Bilingual;
  /** Checks whose evidence decided the verdict (shown first). */
  evidence: CheckName[];
}

const problem = (check: CheckName, finding?: string[]): RuleCondition => (finding ? { check, status: ['problem'], finding } : { check, status: ['problem'] });
const ok = (check: CheckName): RuleCondition => ({ check, status: ['ok'] });

/**
 * The ordered verdict table: the first rule whose conditions hold decides. Order encodes
 * precedence — a host that is down explains everything after it, a crash explains a dead
 * agent, a hung agent explains a run that timed out even when the disk is also tight.
 */
export const VERDICT_RULES: readonly VerdictRule[] = [
  {
    name: 'down-after-crash', all: [problem('ping'), problem('syslog', ['crashed'])], none: [ok('ssh')],
    code: 'DIAG-ENV-HOST_CRASHED', outcome: 'fault', evidence: ['syslog', 'ping', 'ssh'],
    cause: { en: 'Host {host} crashed ({syslog.detail}) and does not answer ping since.', zh: '主机 {host} 已崩溃（{syslog.detail}），此后 ping 不通。' },
    action: { en: 'Get the console or BMC of the machine, read the crash output, and power-cycle it if it is hung.', zh: '通过控制台或 BMC 查看崩溃信息，若已卡死请重启机器。' },
  },
  {
    name: 'host-down', all: [problem('ping')], none: [ok('ssh')],
    code: 'DIAG-ENV-HOST_DOWN', outcome: 'fault', evidence: ['ping', 'ssh', 'agent'],
    cause: { en: 'Host {host} is down: it answers neither ping nor SSH.', zh: '主机 {host} 宕机：ping 和 SSH 均无响应。' },
    action: { en: 'Check the machine\'s power and network from its console or BMC.', zh: '请通过控制台或 BMC 检查机器电源与网络。' },
  },
  {
    name: 'crashed-and-rebooted', all: [problem('syslog', ['crashed', 'unclean-reboot'])],
    code: 'DIAG-ENV-HOST_CRASHED', outcome: 'fault', evidence: ['syslog', 'ping'],
    cause: { en: 'Host {host} crashed or rebooted uncleanly: {syslog.detail}.', zh: '主机 {host} 发生崩溃或非正常重启：{syslog.detail}。' },
    action: { en: 'Read the host\'s syslog around the crash and check its hardware; run the command again once it is stable.', zh: '请查看崩溃前后的系统日志并检查硬件，稳定后再重新执行命令。' },
  },
  {
    name: 'ssh-dead', all: [problem('ssh')], none: [problem('ping')],
    code: 'DIAG-ENV-SSH_UNREACHABLE', outcome: 'fault', evidence: ['ssh', 'ping', 'agent'],
    cause: { en: 'Host {host} is up but its SSH port {ssh.port} does not answer ({ssh.reason}).', zh: '主机 {host} 在线，但 SSH 端口 {ssh.port} 无响应（{ssh.reason}）。' },
    action: { en: 'Check sshd on the host (service, firewall, MaxStartups) from its console.', zh: '请在控制台检查 sshd（服务状态、防火墙、MaxStartups）。' },
  },
  {
    name: 'agent-hung', all: [problem('agent', ['hung'])],
    code: 'DIAG-SYS-AGENT_HUNG', outcome: 'fault', evidence: ['agent'],
    cause: { en: 'The Starling agent on {host} heartbeats but does not execute: run {agent.runId} un-acknowledged for {agent.unackedForMs} ms.', zh: '主机 {host} 上的 Starling agent 有心跳但不执行任务：任务 {agent.runId} 已 {agent.unackedForMs} 毫秒未确认。' },
    action: { en: 'Restart the agent on the host; report it to the Starling operators if it recurs.', zh: '请重启该主机上的 agent；如反复出现请联系 Starling 运维。' },
  },
  {
    name: 'executor-hung-reported', runCodes: ['AGENT-SYS-EXECUTOR_HUNG'], none: [problem('ping')],
    code: 'DIAG-SYS-AGENT_HUNG', outcome: 'fault', evidence: ['agent'],
    cause: { en: 'The Starling agent on {host} reported its executor hung while running the command.', zh: '主机 {host} 上的 Starling agent 报告其执行器在执行命令时卡死。' },
    action: { en: 'Restart the agent on the host; report it to the Starling operators if it recurs.', zh: '请重启该主机上的 agent；如反复出现请联系 Starling 运维。' },
  },
  {
    name: 'disk-full', all: [problem('disk')],
    code: 'DIAG-ENV-DISK_FULL', outcome: 'fault', evidence: ['disk'],
    cause: { en: 'The disk of {host} is full: mount {disk.mount} is {disk.percent}% used ({disk.freeBytes} bytes free).', zh: '主机 {host} 磁盘已满：挂载点 {disk.mount} 使用率 {disk.percent}%（剩余 {disk.freeBytes} 字节）。' },
    action: { en: 'Free space on {disk.mount} (logs, core files, old packages) or grow the filesystem.', zh: '请清理 {disk.mount}（日志、core 文件、旧软件包）或扩容文件系统。' },
  },
  {
    name: 'load-high', all: [problem('load')],
    code: 'DIAG-ENV-LOAD_HIGH', outcome: 'fault', evidence: ['load'],
    cause: { en: 'Host {host} is overloaded: load {load.loadPerCore} per core, {load.reason}.', zh: '主机 {host} 负载过高：每核负载 {load.loadPerCore}，{load.reason}。' },
    action: { en: 'Find what loads the host (top, pidstat) and relieve it, or run the command later.', zh: '请用 top/pidstat 找出高负载进程并处理，或稍后再执行。' },
  },
  {
    name: 'agent-down', all: [problem('agent', ['down', 'not-registered'])], none: [problem('ping')],
    code: 'DIAG-SYS-AGENT_DOWN', outcome: 'fault', evidence: ['agent', 'ping', 'ssh'],
    cause: { en: 'Host {host} is reachable but its Starling agent is not connected ({agent.summary}).', zh: '主机 {host} 可达，但 Starling agent 未连接（{agent.summary}）。' },
    action: { en: 'Restart the agent (systemctl restart starling-agent) and read its log.', zh: '请重启 agent（systemctl restart starling-agent）并查看其日志。' },
  },
  {
    name: 'agent-offline-reported', runCodes: ['CHANNEL-ENV-AGENT_OFFLINE'], none: [problem('ping')],
    code: 'DIAG-SYS-AGENT_DOWN', outcome: 'fault', evidence: ['agent', 'ping'],
    cause: { en: 'Host {host} is reachable but the channel found its Starling agent offline when the run was sent.', zh: '主机 {host} 可达，但下发任务时通道发现其 Starling agent 离线。' },
    action: { en: 'Restart the agent (systemctl restart starling-agent) and read its log.', zh: '请重启 agent（systemctl restart starling-agent）并查看其日志。' },
  },
  {
    name: 'hardware-errors', all: [problem('syslog', ['hardware'])],
    code: 'DIAG-ENV-HARDWARE_FAILING', outcome: 'fault', evidence: ['syslog'],
    cause: { en: 'Host {host} logs hardware or storage errors: {syslog.detail}.', zh: '主机 {host} 日志中出现硬件或存储错误：{syslog.detail}。' },
    action: { en: 'Open a hardware ticket (memory, disk or controller) and move the workload away.', zh: '请提交硬件报修（内存、磁盘或控制器）并迁移业务。' },
  },
  {
    name: 'cmdb-mismatch', all: [problem('cmdb')],
    code: 'DIAG-ENV-CMDB_MISMATCH', outcome: 'fault', evidence: ['cmdb'],
    cause: { en: 'The CMDB records {cmdb.field} {cmdb.cmdbValue} for {host}, but the host reports {cmdb.hostValue}.', zh: 'CMDB 中 {host} 的 {cmdb.field} 为 {cmdb.cmdbValue}，但主机上报为 {cmdb.hostValue}。' },
    action: { en: 'Correct the CMDB record so that SN and IP agree with the host.', zh: '请修正 CMDB 记录，使 SN 与 IP 与主机一致。' },
  },
  {
    name: 'healthy', none: [{ check: 'ping', status: ['problem', 'unknown'] }, { check: 'ssh', status: ['problem', 'unknown'] }, { check: 'agent', status: ['problem'] }, { check: 'disk', status: ['problem'] }, { check: 'load', status: ['problem'] }],
    code: null, outcome: 'healthy', evidence: ['ping', 'ssh', 'agent', 'disk', 'load'],
    cause: { en: 'No fault found on {host}: it answers ping and SSH and no check reports a problem.', zh: '未发现主机 {host} 有故障：ping 与 SSH 正常，各项检查均无异常。' },
    action: { en: 'Look at the run\'s own error and output; the host itself looks healthy.', zh: '请查看任务本身的错误与输出；主机本身状态正常。' },
  },
  {
    name: 'inconclusive',
    code: 'DIAG-UNK-INCONCLUSIVE', outcome: 'inconclusive', evidence: ['ping', 'ssh', 'agent'],
    cause: { en: 'No check found a fault on {host}, but some checks could not decide.', zh: '未在主机 {host} 上发现故障，但部分检查无法得出结论。' },
    action: { en: 'Look at the inconclusive checks and at the run\'s own error.', zh: '请查看无法判定的检查项以及任务本身的错误。' },
  },
];
