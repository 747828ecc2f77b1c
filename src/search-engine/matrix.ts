// The engine matrix: every search engine the package is tested on, the one place that says which
// version, which Java, how the node is obtained and what a run on it can prove. The es test setup,
// the README's tested-engines table and the engine runner all read this list.
export type EngineId = 'es7' | 'es8' | 'es9' | 'os2' | 'os3';
export type EngineKind = 'elasticsearch' | 'opensearch';

export interface EngineSpec {
  id: EngineId;
  kind: EngineKind;
  version: string;
  /** Java major version the node runs on (17: the machine default; 25: see javaHome()). */
  java: 17 | 25;
  /**
   * How the node is obtained from Maven Central: `runner` = a codelibs embedded runner (one JVM,
   * classpath from a pom in this folder); `integ-test-zip` = Elastic's own minimal distribution
   * (`bin/elasticsearch`, run as an unprivileged user because Elasticsearch refuses root).
   */
  source: 'runner' | 'integ-test-zip';
  /** Folder (beside this file) of the pom that lists the runner's classpath. */
  pomDir?: string;
  /** Java launcher (beside this file) that adds the ingest role the runners leave out. */
  launcher?: string;
  /** The node has ingest processors (pipelines can run there). */
  ingest: boolean;
  /** Environment variable that names an existing cluster instead of starting one. */
  urlEnv: string;
  /** What a test run on this engine proves (README table). */
  proves: string;
}

export const ENGINE_MATRIX: readonly EngineSpec[] = [
  {
    id: 'es7', kind: 'elasticsearch', version: '7.10.2', java: 17, source: 'runner',
    pomDir: 'elasticsearch-7.10', launcher: 'ElasticsearchTestNode.java', ingest: true, urlEnv: 'ES_URL',
    proves: 'ingest pipelines (goldens are written here), geoip with generated test databases, setup on a cluster without data streams, bulk output, demo',
  },
  {
    id: 'es8', kind: 'elasticsearch', version: '8.19.21', java: 17, source: 'integ-test-zip', ingest: false, urlEnv: 'ES8_URL',
    proves: 'setup on 8.x (templates, data stream, flattened; reports what it cannot install), every pipeline output indexed into the data stream without mapping errors or _ignored, field types after rollover, detection-rule fields searchable, our template wins over the built-in logs template',
  },
  {
    id: 'es9', kind: 'elasticsearch', version: '9.2.0', java: 25, source: 'integ-test-zip', ingest: false, urlEnv: 'ES9_URL',
    proves: 'as 8.x, plus setup over the previous release\'s objects (upgrade), and setup with everything (ingest processors, ILM and the data-stream API added by a proxy in front of the node): exit 0, the node accepts the templates naming the pipeline and the data stream made from them, a re-run is up to date',
  },
  {
    id: 'os2', kind: 'opensearch', version: '2.19.1', java: 17, source: 'runner',
    pomDir: 'opensearch-2.19', launcher: 'OpenSearchTestNode.java', ingest: true, urlEnv: 'OPENSEARCH_URL',
    proves: 'ingest pipelines (output equal to Elasticsearch 7.10\'s), setup with data streams and flat_object, bulk output',
  },
  {
    id: 'os3', kind: 'opensearch', version: '3.8.0', java: 25, source: 'runner',
    pomDir: 'opensearch-3', launcher: 'OpenSearch3TestNode.java', ingest: true, urlEnv: 'OPENSEARCH3_URL',
    proves: 'ingest pipelines (output equal to Elasticsearch 7.10\'s), setup and upgrade over the previous release\'s objects, pipeline benchmark',
  },
];

export function engineSpec(id: EngineId): EngineSpec {
  const spec = ENGINE_MATRIX.find((e) => e.id === id);
  if (spec === undefined) throw new Error(`unknown engine ${id}`);
  return spec;
}

/** Default engine of each kind (what `startEngine({ kind })`, the demo and the bench start). */
export const DEFAULT_ENGINE: Record<EngineKind, EngineId> = { elasticsearch: 'es7', opensearch: 'os2' };

/**
 * JAVA_HOME for a Java major version: O365_AUDIT_JAVA<N>_HOME, else (17) JAVA_HOME or the java on
 * PATH, else (25) the Temurin 25 install these machines have.
 */
export function javaHome(major: 17 | 25, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const own = env[`O365_AUDIT_JAVA${major}_HOME`];
  if (own) return own;
  if (major === 17) return env['JAVA_HOME'] || undefined;
  return '/usr/lib/jvm/temurin-25-jdk-amd64';
}
