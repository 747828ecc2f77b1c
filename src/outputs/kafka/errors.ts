// What a failed produce means: worth retrying (a broker down or restarting, no leader yet, a
// timeout) or final (an unknown topic, refused credentials or authorisation, a record too large),
// with the message the user sees. The client nests errors (MultipleErrors, causes), so the whole
// tree is searched for the codes that decide.

/** Thrown (and reported as final) when a topic does not exist on the cluster. */
export class TopicMissing extends Error {
  constructor(readonly topic: string) {
    super(`topic "${topic}" does not exist`);
  }
}

export interface KafkaFailure {
  final: boolean;
  reason: string;
  message: string;
}

const FINAL: Record<string, string> = {
  SASL_AUTHENTICATION_FAILED: 'the brokers refused the SASL credentials: check sasl.mechanism, sasl.username and the password',
  ILLEGAL_SASL_STATE: 'the brokers refused the SASL handshake: check that the listener expects SASL and the mechanism',
  UNSUPPORTED_SASL_MECHANISM: 'the brokers do not offer this SASL mechanism: check sasl.mechanism',
  TOPIC_AUTHORIZATION_FAILED: 'the credentials may not write to the topic (ACL): grant WRITE and DESCRIBE on it',
  CLUSTER_AUTHORIZATION_FAILED: 'the credentials lack IDEMPOTENT_WRITE on the cluster (needed by the idempotent producer)',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'the credentials lack the producer rights the idempotent producer needs',
  MESSAGE_TOO_LARGE: 'a record is larger than the broker accepts (message.max.bytes): raise it, or lower batch_max_bytes',
  RECORD_LIST_TOO_LARGE: 'a batch is larger than the broker accepts: lower batch_max_bytes',
  INVALID_TOPIC_EXCEPTION: 'the topic name is not valid',
  UNSUPPORTED_COMPRESSION_TYPE: 'the brokers do not accept this compression',
};

function* walk(err: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (err === null || typeof err !== 'object' || depth > 6) return;
  const e = err as Record<string, unknown>;
  yield e;
  if (Array.isArray(e.errors)) for (const x of e.errors) yield* walk(x, depth + 1);
  if (e.cause !== undefined) yield* walk(e.cause, depth + 1);
}

export function classifyKafkaError(err: unknown): KafkaFailure {
  for (const e of walk(err)) {
    if (e instanceof TopicMissing) {
      return { final: true, reason: 'UNKNOWN_TOPIC', message: `${e.message}: create it (the output does not create topics) or fix \`topic\`` };
    }
    const id = typeof e.id === 'string' ? e.id : undefined;
    if (id !== undefined && FINAL[id] !== undefined) return { final: true, reason: id, message: FINAL[id] };
    if (e.code === 'PLT_KFK_AUTHENTICATION') return { final: true, reason: 'SASL_AUTHENTICATION_FAILED', message: FINAL.SASL_AUTHENTICATION_FAILED! };
  }
  const codes = [...walk(err)].map((e) => (typeof e.id === 'string' ? e.id : typeof e.code === 'string' ? e.code : undefined)).filter((c): c is string => c !== undefined);
  const first = err instanceof Error ? err.message : String(err);
  return { final: false, reason: codes[codes.length - 1] ?? 'unknown', message: `${first}${codes.length > 0 ? ` (${[...new Set(codes)].join(', ')})` : ''}`.slice(0, 400) };
}
