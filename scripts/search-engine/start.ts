// Starts an embedded test node and keeps it running until Ctrl-C:
// `tsx scripts/search-engine/start.ts elasticsearch|opensearch [--no-geoip]`. Prints the URL.
import { startEngine, type EngineKind } from './engine-runner.js';

const kind = process.argv[2] as EngineKind | undefined;
if (kind !== 'elasticsearch' && kind !== 'opensearch') {
  process.stderr.write('usage: start.ts elasticsearch|opensearch [--no-geoip]\n');
  process.exit(2);
}
try {
  const engine = await startEngine({ kind, geoip: !process.argv.includes('--no-geoip'), log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${engine.url}\n`);
  const stop = (): void => void engine.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
