import { hostname } from 'node:os'
import type { Config } from '../config'
import type { EnforcerOptions } from './service'

/** lib/config.ts → the enforcer's options (every setting goes through the config schema). */
export function enforcerOptions(config: Config, log: (line: string) => void = console.log): EnforcerOptions {
  return {
    host: config.ENFORCER_HOST,
    port: config.ENFORCER_PORT,
    replica:
      config.ENFORCER_REPLICA ??
      `${hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 30)}-${process.pid}`,
    policyUrl: config.ENFORCER_POLICY_URL,
    gatewayToken: config.ENFORCER_GATEWAY_TOKEN,
    brokers:
      config.ENFORCER_KAFKA === '1'
        ? config.KAFKA_BROKERS.split(',')
            .map((b) => b.trim())
            .filter(Boolean)
        : [],
    policyTopic: config.POLICY_TOPIC,
    eventsTopic: config.KAFKA_TOPIC,
    group: config.ENFORCER_GROUP,
    clientId: config.KAFKA_CLIENT_ID,
    redisUrl: config.REDIS_URL,
    failMode: config.ENFORCER_FAIL_MODE,
    maxStalenessMs: config.ENFORCER_MAX_STALENESS_MS,
    pollMs: config.ENFORCER_POLL_MS,
    leaseMs: config.ENFORCER_LEASE_MS,
    streamLeaseMs: config.ENFORCER_STREAM_LEASE_MS,
    allowanceRequests: config.ENFORCER_ALLOWANCE_REQUESTS,
    defaultMaxOutput: config.ENFORCER_DEFAULT_MAX_OUTPUT_TOKENS,
    log,
  }
}
