// Every output type, one line each. The config schema's output branches, the generated config
// types, docs/config.md, validation, normalisation and building all derive from this list
// (./build.ts, scripts/gen-types.ts): adding an output is its folder plus one line here.
export { file } from './file/definition.js';
export { stdout } from './stdout/definition.js';
export { elasticsearch } from './elasticsearch/definition.js';
export { http } from './http/definition.js';
export { kafka } from './kafka/definition.js';
