import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import Ajv2020 from 'ajv/dist/2020'
import { describe, expect, it } from 'vitest'
import { GET } from '../../app/api/contract/events.schema.json/route'
import { eventsJsonSchemaText } from '../../lib/events/json-schema'
import { EVENT_TYPES, gatewayEventSchema } from '../../lib/events/schema'
import { fastParseEvent } from '../../lib/events/fast-parse'

/**
 * The contract exists three times: the zod schema ingest runs, the JSON
 * Schema gateway teams validate with, and the examples in docs/events.md.
 * These tests keep them one contract.
 */
const committed = readFileSync(new URL('../../docs/events.schema.json', import.meta.url), 'utf8')
const jsonSchema = JSON.parse(committed)
// The ISO timestamp's exact pattern sits next to format: date-time, so the format needs no checker of its own.
const validate = new Ajv2020({ allErrors: true, formats: { 'date-time': true } }).compile(jsonSchema)

const examples: Record<string, unknown>[] = [...readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8').matchAll(/```json\n([\s\S]*?)```/g)].map(
  (m) => JSON.parse(m[1]),
)

describe('JSON Schema of the event contract', () => {
  it('is committed as generated from the zod schema (run npm run docs:schema after changing lib/events/schema.ts)', () => {
    expect(committed).toBe(eventsJsonSchemaText())
  })

  it('is served at GET /api/contract/events.schema.json without sign-in, byte for byte the committed file', async () => {
    const res = GET()
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/schema\+json/)
    expect(await res.text()).toBe(committed)
  })

  it('describes every field of every type, so a gateway team needs no other source to start', () => {
    for (const variant of jsonSchema.oneOf) {
      for (const [key, property] of Object.entries(variant.properties as Record<string, { description?: string }>)) {
        expect(property.description, `${variant.title}.${key}`).toBeTruthy()
      }
    }
    expect(jsonSchema.oneOf.map((v: { title: string }) => v.title).sort()).toEqual([...EVENT_TYPES].sort())
  })
})

describe('docs/events.md examples', () => {
  it('show every event type once', () => {
    expect(examples.map((e) => e.type).sort()).toEqual([...EVENT_TYPES].sort())
  })

  it.each(examples.map((e) => [e.type, e] as const))('%s is valid for the JSON Schema, zod and the fast path alike', (_type, example) => {
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true)
    const parsed = gatewayEventSchema.safeParse(example)
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
    const fast = fastParseEvent({ ...example, ts: Date.parse(example.ts as string) })
    expect(fast && isDeepStrictEqual(fast, parsed.data)).toBe(true)
  })

  it('are rejected by the JSON Schema wherever zod rejects them, and accepted wherever zod accepts them', () => {
    // Each example with one field damaged or removed: both validators must agree on the verdict.
    // The one thing JSON Schema cannot say is that ip_prefix must parse as an address (checked at ingest).
    const damage: unknown[] = [undefined, null, -1, 1.5, 2 ** 53, '', 'x'.repeat(200), 'not an address', {}, [], true]
    let checked = 0
    for (const example of examples) {
      for (const key of Object.keys(example)) {
        for (const value of damage) {
          const event = { ...example, [key]: value }
          if (value === undefined) delete event[key]
          const zodOk = gatewayEventSchema.safeParse(event).success
          const schemaOk = validate(event)
          if (key === 'ip_prefix' && typeof value === 'string') {
            expect(schemaOk || !zodOk, `${String(example.type)}.${key} = ${JSON.stringify(value)}`).toBe(true)
            continue
          }
          expect({ key, value, type: example.type, schemaOk }).toEqual({ key, value, type: example.type, schemaOk: zodOk })
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(1_000)
  })
})
