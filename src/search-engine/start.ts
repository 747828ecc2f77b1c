// Starts one test node of the engine matrix and keeps it running until Ctrl-C:
// `tsx src/search-engine/start.ts es7|es8|es9|os2|os3|elasticsearch|opensearch [--no-geoip]`.
// Prints the URL.
import { startEngine } from './engine-runner.js';
import { DEFAULT_ENGINE, ENGINE_MATRIX, type EngineId } from './matrix.js';

const arg = process.argv[2] ?? '';
const id = (arg === 'elasticsearch' || arg === 'opensearch' ? DEFAULT_ENGINE[arg] : arg) as EngineId;
if (!ENGINE_MATRIX.some((e) => e.id === id)) {
  process.stderr.write(`usage: start.ts ${ENGINE_MATRIX.map((e) => e.id).join('|')}|elasticsearch|opensearch [--no-geoip]\n`);
  process.exit(2);
}
try {
  const engine = await startEngine({ engine: id, geoip: !process.argv.includes('--no-geoip'), log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${engine.url}\n`);
  const stop = (): void => void engine.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
