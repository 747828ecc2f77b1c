// Paths of the real-world corpora copied into the repository (see README.md beside this file).
import { fileURLToPath } from 'node:url';

export const ELASTIC_CORPUS_DIR = fileURLToPath(new URL('./elastic/', import.meta.url));
export const WAZUH_EVENTS_FILE = fileURLToPath(new URL('./wazuh/events.ndjson', import.meta.url));
