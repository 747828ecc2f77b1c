// SIGINT/SIGTERM end a run cleanly: the first aborts it (in-flight work is flushed and committed,
// then the process exits 0); a second one exits at once (nothing committed is lost either way).

export interface ShutdownHandle {
  signal: AbortSignal;
  /** The signal that aborted the run, if any. */
  received(): NodeJS.Signals | undefined;
  dispose(): void;
}

export function onShutdown(onFirst?: (sig: NodeJS.Signals) => void): ShutdownHandle {
  const controller = new AbortController();
  let got: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (got !== undefined) {
      process.stderr.write(`o365-audit: second ${sig}, exiting without waiting for the final commit\n`);
      process.exit(130);
    }
    got = sig;
    onFirst?.(sig);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    received: () => got,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
