import { llmRequest } from './events'
import type { RawRecord } from '../../harness/kafka-io'

/** A poison-test message and what ingest must make of it: a row, or a dead letter with this reason. */
export interface FuzzRecord extends RawRecord {
  expect: 'row' | string
}

function rng(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

const FIELDS = [
  'event_id',
  'ts',
  'tenant_id',
  'install_id',
  'app_id',
  'app_version',
  'platform',
  'feature',
  'model',
  'prompt_tokens',
  'completion_tokens',
  'context_tokens',
  'prompt_bytes',
  'outcome',
  'type',
  'schema_version',
]
const WRONG_TYPES: unknown[] = [null, true, 12.5, -3, [], {}, [1, 2], { nested: { deeper: 1 } }, '', 1e308]

/**
 * Seeded fuzz corpus of damaged gateway messages mixed with valid ones. Each
 * kind of damage has a known outcome, so a test can demand exact counts per
 * dead-letter reason, not just "did not crash".
 */
export function fuzzCorpus(n: number, tag: string, seed = 1): FuzzRecord[] {
  const rand = rng(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]
  const now = Date.now()
  const out: FuzzRecord[] = []
  const json = (key: string, e: unknown, expect: string): FuzzRecord => ({ key, value: JSON.stringify(e), expect })
  for (let i = 0; i < n; i++) {
    const install = `fz-${tag}-${i % 37}`
    const valid = llmRequest({ event_id: `${tag}-${i}`, install_id: install, ts: now - Math.floor(rand() * 3_600_000) }) as Record<string, unknown>
    const kind = Math.floor(rand() * 16)
    switch (kind) {
      case 0: {
        // a required field with a wrong type
        const field = pick(FIELDS.filter((f) => f !== 'type' && f !== 'schema_version'))
        out.push(json(install, { ...valid, [field]: pick(WRONG_TYPES) }, 'schema'))
        break
      }
      case 1: {
        // a required field missing
        const { [pick(['event_id', 'ts', 'tenant_id', 'install_id', 'model', 'prompt_tokens', 'outcome']) as string]: _gone, ...rest } = valid
        out.push(json(install, rest, 'schema'))
        break
      }
      case 2: // huge string inside the size limit
        out.push(
          json(
            install,
            { ...valid, [pick(['event_id', 'app_version', 'device_model', 'feature'])]: 'x'.repeat(2_000 + Math.floor(rand() * 50_000)) },
            'schema',
          ),
        )
        break
      case 3: {
        // deep nesting
        const depth = 50 + Math.floor(rand() * 20_000)
        out.push({ key: install, value: `${'['.repeat(depth)}${']'.repeat(depth)}`, expect: 'schema' })
        break
      }
      case 4: {
        // deep nesting inside a valid-looking event: unknown keys are stripped, so it is a row
        let nested: unknown = 1
        for (let d = 0; d < 200; d++) nested = { d: nested }
        out.push(json(install, { ...valid, debug: nested, prompt: 'a user prompt that must never be stored' }, 'row'))
        break
      }
      case 5: {
        // invalid UTF-8 somewhere in the message
        const bytes = Buffer.from(JSON.stringify(valid))
        const at = Math.floor(rand() * bytes.length)
        out.push({
          key: install,
          value: Buffer.concat([bytes.subarray(0, at), Buffer.from([pick([0xc3, 0xff, 0xfe, 0xed]), 0x28]), bytes.subarray(at)]),
          expect: 'invalid_utf8',
        })
        break
      }
      case 6: // random non-JSON bytes (ASCII-safe so the outcome is invalid_json, not invalid_utf8)
        out.push({
          key: install,
          value: Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 300) }, () => 0x41 + Math.floor(rand() * 26))),
          expect: 'invalid_json',
        })
        break
      case 7: // truncated JSON
        out.push({ key: install, value: JSON.stringify(valid).slice(0, 10 + Math.floor(rand() * 100)), expect: 'invalid_json' })
        break
      case 8:
        out.push(json(install, { ...valid, ts: now + 86_400_000 * (1 + Math.floor(rand() * 1000)) }, 'timestamp_future'))
        break
      case 9:
        out.push(json(install, { ...valid, ts: pick([0, 86_400_000, now - 400 * 86_400_000, '1999-01-01T00:00:00Z']) }, 'timestamp_too_old'))
        break
      case 10: // negative or absurd token counts, with a full address and a line of text the dead letter must not keep
        out.push(
          json(
            install,
            {
              ...valid,
              ip_prefix: '198.51.100.77',
              note: 'call me on 555 0100',
              [pick(['prompt_tokens', 'completion_tokens', 'context_tokens'])]: pick([-1, -1e9, 1e12, 2 ** 53, 0.5, 10_000_001]),
            },
            'schema',
          ),
        )
        break
      case 11: // a duplicated event id, same key so it lands on the same partition after the original
        out.push(json(install, valid, 'row'))
        out.push(json(install, { ...valid, prompt_tokens: 7 }, 'duplicate_event_id'))
        break
      case 12:
        out.push({ key: install, value: pick([null, '']), expect: 'empty' })
        break
      case 13:
        out.push({ key: install, value: 'x'.repeat(70_000), expect: 'too_large' })
        break
      case 14:
        out.push(json(install, { ...valid, schema_version: pick([2, '1', 0]) }, 'unsupported_version'))
        break
      default: // valid, with an ISO timestamp and an IP that must be cut to a prefix
        out.push(json(install, { ...valid, ts: new Date(valid.ts as number).toISOString(), ip_prefix: '198.51.100.77' }, 'row'))
    }
  }
  return out
}
