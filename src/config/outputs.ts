// Builds the configured outputs: file and stdout through the output registry (wrapped with their
// record format), elasticsearch/opensearch and http through their own factories. Output names key
// the committed positions, so they must be unique. The shipping outputs are imported on demand:
// their clients are heavy and most runs write to a file.

import type { Logger } from '../collector/types.js';
import { ConfigError } from '../errors.js';
import { createOutput, type OutputContext } from '../outputs/registry.js';
import type { Output } from '../outputs/types.js';
import { withFormat } from '../outputs/wazuh/with-format.js';
import type { ConfiguredOutput } from './types.js';

export interface OutputBuildContext {
  context: OutputContext;
  logger: Logger;
  /** Where outputs keep side files (the elasticsearch dead-letter file). */
  stateDir: string;
}

export async function createConfiguredOutput(c: ConfiguredOutput, b: OutputBuildContext): Promise<Output> {
  switch (c.type) {
    case 'file':
      return withFormat(createOutput({ type: 'file', path: c.path, name: c.name }, b.context), c.format);
    case 'stdout':
      return withFormat(createOutput({ type: 'stdout', name: c.name }, b.context), c.format);
    case 'elasticsearch':
    case 'opensearch':
      return (await import('../outputs/elasticsearch/es-output.js')).createElasticsearchOutput(c, { logger: b.logger, stateDir: b.stateDir });
    case 'http':
      return (await import('../outputs/http/http-output.js')).createHttpOutput(c, { logger: b.logger });
  }
}

export async function createConfiguredOutputs(configs: readonly ConfiguredOutput[], b: OutputBuildContext): Promise<Output[]> {
  const outputs: Output[] = [];
  for (const c of configs) outputs.push(await createConfiguredOutput(c, b));
  const seen = new Map<string, number>();
  outputs.forEach((o, i) => {
    const prev = seen.get(o.name);
    if (prev !== undefined) {
      throw new ConfigError(`outputs[${prev}] and outputs[${i}] are both named "${o.name}"; give one of them a distinct name`, `outputs[${i}].name`);
    }
    seen.set(o.name, i);
  });
  return outputs;
}
