import { describe, expect, it } from 'vitest';
import { TopicMissing, classifyKafkaError } from './errors.js';

describe('classifyKafkaError', () => {
  it('is final for an unknown topic and for refused credentials, found anywhere in nested errors', () => {
    expect(classifyKafkaError(new TopicMissing('t1'))).toMatchObject({ final: true, reason: 'UNKNOWN_TOPIC', message: expect.stringContaining('topic "t1" does not exist') });
    const nested = new AggregateError([new Error('x', { cause: Object.assign(new Error('auth'), { id: 'SASL_AUTHENTICATION_FAILED' }) })], 'multiple');
    expect(classifyKafkaError(nested)).toMatchObject({ final: true, reason: 'SASL_AUTHENTICATION_FAILED' });
    expect(classifyKafkaError(Object.assign(new Error('a'), { code: 'PLT_KFK_AUTHENTICATION' }))).toMatchObject({ final: true });
  });

  it('is retryable for network trouble, naming the codes it saw', () => {
    const down = new AggregateError([Object.assign(new Error('connect ECONNREFUSED'), { code: 'PLT_KFK_NETWORK' })], 'Cannot connect to any broker.');
    expect(classifyKafkaError(down)).toMatchObject({ final: false, message: expect.stringContaining('PLT_KFK_NETWORK') });
  });
});
