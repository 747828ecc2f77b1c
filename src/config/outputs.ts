// Builds the configured outputs: file and stdout through the output registry (wrapped with their
// record format), elasticsearch/opensearch and http through their own factories. Output names key
// the committed positions, so they must be unique.

import type { Logger } from '../collector/types.js';
import { ConfigError } from '../errors.js';
import { createElasticsearchOutput } from '../outputs/elasticsearch/es-output.js';
import { createHttpOutput } from '../outputs/http/http-output.js';
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

export function createConfiguredOutput(c: ConfiguredOutput, b: OutputBuildContext): Output {
  switch (c.type) {
    case 'file':
      return withFormat(createOutput({ type: 'file', path: c.path, name: c.name }, { ...b.context, stateDir: b.stateDir }), c.format);
    case 'stdout':
      return withFormat(createOutput({ type: 'stdout', name: c.name }, b.context), c.format);
    case 'elasticsearch':
    case 'opensearch':
      return createElasticsearchOutput(c, { logger: b.logger, stateDir: b.stateDir });
    case 'http':
      return createHttpOutput(c, { logger: b.logger });
  }
}

export function createConfiguredOutputs(configs: readonly ConfiguredOutput[], b: OutputBuildContext): Output[] {
  const outputs = configs.map((c) => createConfiguredOutput(c, b));
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
