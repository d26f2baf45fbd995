import { eventsJsonSchemaText } from '@/lib/events/json-schema'

/**
 * The gateway event contract as JSON Schema, for gateway teams to validate
 * their events before they produce. Public on purpose: it is the same
 * document as docs/events.schema.json, describes no customer data, and a
 * gateway's build or CI should fetch it without a dashboard account.
 */
export const dynamic = 'force-static'

export function GET(): Response {
  return new Response(eventsJsonSchemaText(), {
    headers: { 'content-type': 'application/schema+json; charset=utf-8', 'cache-control': 'public, max-age=300' },
  })
}
