// The output registry: one factory per type, unique names (they key the committed positions).

import { describe, expect, it } from 'vitest';
import { FileOutput } from './file-output.js';
import { createOutput, createOutputs } from './registry.js';
import { StdoutOutput } from './stdout-output.js';

describe('output registry', () => {
  it('builds file and stdout outputs from normalised config', () => {
    const f = createOutput({ type: 'file', path: '/tmp/x.ndjson' });
    expect(f).toBeInstanceOf(FileOutput);
    expect(f.name).toBe('file');
    expect((f as FileOutput).path).toBe('/tmp/x.ndjson');
    expect(createOutput({ type: 'stdout' })).toBeInstanceOf(StdoutOutput);
  });

  it('rejects an unknown type and duplicate names with a config error', () => {
    expect(() => createOutput({ type: 'carrier-pigeon' } as never)).toThrow(expect.objectContaining({ code: 'O365_ERR_CONFIG' }));
    expect(() => createOutputs([{ type: 'file', path: '/a' }, { type: 'file', path: '/b' }])).toThrow(
      expect.objectContaining({ code: 'O365_ERR_CONFIG', path: 'outputs[1].name' }),
    );
    expect(createOutputs([{ type: 'file', path: '/a' }, { type: 'file', path: '/b', name: 'archive' }]).map((o) => o.name)).toEqual(['file', 'archive']);
  });
});
