import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('runs the embedded mode with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.kafkaBrokers).toEqual([]);
    expect(config.dataDir).toBe('./data');
    expect(config.ports.gateway).toBe(8080);
    expect(config.ports.notification).toBe(8086);
    expect(config.serviceUrls.user).toEqual(['http://127.0.0.1:8081']);
  });

  it('names the variable and what it expects when a value is bad', () => {
    expect(() => loadConfig({ USER_PORT: 'abc' })).toThrowError(
      'Invalid configuration: USER_PORT must be a TCP port number from 1 to 65535 (or 0 for any free port) (got "abc")',
    );
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrowError(
      /DATABASE_URL must be a URL starting with postgres:/,
    );
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrowError(/LOG_LEVEL must be one of fatal, error/);
    expect(() => loadConfig({ ADMIN_EMAIL: 'nope' })).toThrowError(ConfigError);
    expect(() => loadConfig({ KAFKA_BROKERS: 'a:1,b' })).toThrowError(/KAFKA_BROKERS/);
    expect(() => loadConfig({ KAFKA_TOPIC_PREFIX: 'staging/' })).toThrowError(/KAFKA_TOPIC_PREFIX/);
    expect(() => loadConfig({ KAFKA_MAX_DELIVERY_ATTEMPTS: '0' })).toThrowError(
      /KAFKA_MAX_DELIVERY_ATTEMPTS/,
    );
  });

  it('never prints a secret it rejects', () => {
    expect(() => loadConfig({ ADMIN_PASSWORD: 'short' })).toThrowError('(got "<redacted>")');
  });

  it('reads the Kafka brokers, topic prefix and delivery attempts', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      KAFKA_TOPIC_PREFIX: 'staging.',
      KAFKA_MAX_DELIVERY_ATTEMPTS: '8',
    });
    expect(config.kafkaBrokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(config.kafkaTopicPrefix).toBe('staging.');
    expect(config.kafkaMaxDeliveryAttempts).toBe(8);
    expect(loadConfig({}).kafkaMaxDeliveryAttempts).toBe(5);
  });

  it('lists several instances of a service', () => {
    const config = loadConfig({ TICKET_SERVICE_URL: 'http://a:1/, http://b:2' });
    expect(config.serviceUrls.ticket).toEqual(['http://a:1', 'http://b:2']);
  });

  it('refuses to start in production without real secrets', () => {
    // Each missing variable is named in turn (profiles.test.ts goes through them all).
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrowError(
      /DATABASE_URL must be set in production/,
    );
  });
});
