import { writeFileSync } from 'node:fs'
import { eventsJsonSchemaText } from '../lib/events/json-schema'

/** Writes docs/events.schema.json from the zod schema (tests/unit/events-contract.test.ts fails when it is stale). */
const path = new URL('../docs/events.schema.json', import.meta.url)
writeFileSync(path, eventsJsonSchemaText())
console.log('docs/events.schema.json updated')
