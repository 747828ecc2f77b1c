// Validation of raw records and output documents against the generated schemas: re-exports only.
export { createValidator, describeSchema, pointerToField, type SchemaIssue, type ValidationKind, type Validator, type ValidatorOptions } from './validator.js';
export { detectKind, validateLine, validateNdjson, MAX_ISSUES_PER_LINE, type Counts, type Issue, type LineOptions, type ValidationRun } from './ndjson.js';
export { runValidate, validateCommand, EXIT_INVALID, EXIT_UNREADABLE, EXIT_VALID, type RunValidateOptions, type ValidateIo } from './command.js';
