import type { Logger } from '../core/index.js';

/**
 * Wait for SIGINT or SIGTERM, then run `close` bounded by `timeoutMs`; a second signal or
 * the timeout exits at once. Resolves when the process may exit.
 */
export function installShutdown(log: Logger, timeoutMs: number, close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal, timeoutMs }, 'shutting down');
      const timer = setTimeout(() => {
        log.error({ timeoutMs }, 'shutdown timed out: exiting');
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      close()
        .catch((err: Error) => log.error({ err: err.message }, 'error during shutdown'))
        .finally(() => {
          clearTimeout(timer);
          log.info('stopped');
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Close each step in order; a step that fails is logged and the next one still closes. */
export async function closeInOrder(log: Logger, steps: Array<{ name: string; close(): Promise<unknown> }>): Promise<void> {
  for (const s of steps) {
    try {
      await s.close();
    } catch (err) {
      log.warn({ part: s.name, err: (err as Error).message }, 'error while closing');
    }
  }
}
