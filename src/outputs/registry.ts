// Builds outputs from normalised output config. An explicit map from type to factory: a new output
// type (elasticsearch, http, wazuh) is one entry here plus its module.

import { ConfigError } from '../errors.js';
import { FileOutput } from './file-output.js';
import { StdoutOutput } from './stdout-output.js';
import type { Output } from './types.js';

export type OutputConfig =
  | { type: 'file'; path: string; name?: string }
  | { type: 'stdout'; name?: string };

/** Run-time hooks an output may need from its host (the CLI). */
export interface OutputContext {
  /** The reader of stdout went away (EPIPE): the host should end the run cleanly. */
  onReaderGone?: () => void;
  /** This collector's state directory, recorded in the lock of an output file to name its owner. */
  stateDir?: string;
}

type Factory<T extends OutputConfig['type']> = (config: Extract<OutputConfig, { type: T }>, ctx: OutputContext) => Output;

const factories: { [T in OutputConfig['type']]: Factory<T> } = {
  file: (c, ctx) => new FileOutput(c.path, { name: c.name ?? 'file', stateDir: ctx.stateDir }),
  stdout: (c, ctx) => new StdoutOutput({ name: c.name ?? 'stdout', onReaderGone: ctx.onReaderGone }),
};

export function createOutput(config: OutputConfig, ctx: OutputContext = {}): Output {
  const factory = factories[config.type] as Factory<OutputConfig['type']> | undefined;
  if (!factory) throw new ConfigError(`Unknown output type "${String((config as { type: unknown }).type)}"`, 'outputs');
  return factory(config, ctx);
}

/**
 * Builds every configured output. Names key the committed positions, so they must be unique: a
 * second output of the same type needs an explicit `name`.
 */
export function createOutputs(configs: OutputConfig[], ctx: OutputContext = {}): Output[] {
  const outputs = configs.map((c) => createOutput(c, ctx));
  const seen = new Map<string, number>();
  outputs.forEach((o, i) => {
    const prev = seen.get(o.name);
    if (prev !== undefined) {
      throw new ConfigError(`Outputs ${prev} and ${i} are both named "${o.name}"; give one of them a distinct name`, `outputs[${i}].name`);
    }
    seen.set(o.name, i);
  });
  return outputs;
}
