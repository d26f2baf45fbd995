import { EVENT_FIELDS, type GatewayEvent } from './schema'
import { OPTIONAL, REQUIRED, SKIP, type Field } from './fields'

/**
 * Fast path. zod costs 3–4× a JSON.parse per event, most of the ingest CPU.
 * fastParseEvent checks the same rules (each field's `check`, declared beside
 * its zod type in fields.ts) for well-formed input and returns exactly what
 * gatewayEventSchema.parse would; whenever anything is unusual (an ISO
 * timestamp, a failed check, an unknown type) it returns undefined and the
 * caller runs zod, which stays the single source of error messages. It may
 * only ever be stricter than zod, never looser:
 * tests/integration/faults-poison.test.ts compares both on a fuzzed corpus.
 */
type ShapeParser = (obj: Record<string, unknown>) => GatewayEvent | undefined

/**
 * One parser per event type with every key spelled out, generated from its
 * field table. A loop over the table read `obj[key]` and wrote `out[key]`
 * with a different key each time, which made both megamorphic and left `out`
 * a dictionary: 7.5–10 µs per event, more than JSON.parse itself. Keys come
 * from the tables in schema.ts, never from input.
 */
function compileShape(fields: Record<string, Field>): ShapeParser {
  const entries = Object.entries(fields)
  const body: string[] = []
  const literal: string[] = []
  const optional: string[] = []
  entries.forEach(([key, { absent }], i) => {
    const k = JSON.stringify(key)
    body.push(`let v${i} = obj[${k}];`)
    if (absent === OPTIONAL) {
      // Absent optional keys stay absent in the event, as in zod's output.
      body.push(`if (v${i} !== undefined && (v${i} = checks[${i}](v${i})) === SKIP) return undefined;`)
      optional.push(`if (v${i} !== undefined) out[${k}] = v${i};`)
      return
    }
    if (absent === REQUIRED) body.push(`if (v${i} === undefined || (v${i} = checks[${i}](v${i})) === SKIP) return undefined;`)
    else
      body.push(
        `if (v${i} === undefined) v${i} = ${Array.isArray(absent) ? '[]' : `defaults[${i}]`}; else if ((v${i} = checks[${i}](v${i})) === SKIP) return undefined;`,
      )
    literal.push(`${k}: v${i}`)
  })
  const source = `${body.join('\n')}\nconst out = { ${literal.join(', ')} };\n${optional.join('\n')}\nreturn out;`
  const make = new Function('checks', 'defaults', 'SKIP', `return function parseShape(obj) {\n${source}\n}`)
  return make(
    entries.map(([, f]) => f.check),
    entries.map(([, f]) => f.absent),
    SKIP,
  ) as ShapeParser
}

const FAST_PARSERS = new Map<string, ShapeParser>(Object.entries(EVENT_FIELDS).map(([type, fields]) => [type, compileShape(fields)]))

/** The parsed event if `input` is plainly valid, else undefined (run zod for the verdict and the reasons). */
export function fastParseEvent(input: unknown): GatewayEvent | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined
  const type = (input as { type?: unknown }).type
  const parse = typeof type === 'string' ? FAST_PARSERS.get(type) : undefined
  return parse ? parse(input as Record<string, unknown>) : undefined
}
