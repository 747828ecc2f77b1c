// Public surface of the fields.yml → mappings generator.
export { generateMappings, flattenFields } from './generate.js';
export { loadFieldsDir } from './load-fields.js';
export { ECS_FIELDS } from './ecs-fields.js';
export { ES8_CAPABILITIES, type FieldDefinition, type GeneratedMappings, type MappingCapabilities } from './types.js';
