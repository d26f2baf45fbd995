import { llmRequest } from './events'
import type { JavaStep } from './java-producer'
import { rows } from './store'
import type { TestStore } from './ingest-fixture'

/**
 * Events for the Java-producer tests, tagged per case so exact counts can be
 * taken per case from one topic: event ids are `<tag>-<i>`, and every invalid
 * message is keyed `bad-<tag>` (dead letters keep the key; an invalid payload is only described).
 */
export function validSteps(
  tag: string,
  n: number,
  opts: { key?: (i: number, install: string) => string | null; headers?: (i: number) => Record<string, string>; partition?: number } = {},
): JavaStep[] {
  return Array.from({ length: n }, (_, i) => {
    const install = `inst-${tag}-${i % 13}`
    const event = llmRequest({ event_id: `${tag}-${i}`, install_id: install, ts: Date.now() - (i % 300) * 1000 })
    return { send: { key: opts.key ? opts.key(i, install) : install, value: JSON.stringify(event), headers: opts.headers?.(i), partition: opts.partition } }
  })
}

/** Invalid messages of several kinds (not JSON, schema errors, an unknown type, too far in the future), cycled to m. */
export function invalidSteps(tag: string, m: number): JavaStep[] {
  const kinds = [
    () => `{"tag":"${tag}", "broken": `,
    (i: number) => JSON.stringify({ tag, ...llmRequest({ event_id: `${tag}-bad-${i}` }), prompt_tokens: -1 }),
    (i: number) => JSON.stringify({ tag, ...llmRequest({ event_id: `${tag}-bad-${i}` }), type: 'unknown' }),
    () => JSON.stringify({ tag, hello: 'world' }),
  ]
  return Array.from({ length: m }, (_, i) => ({ send: { key: `bad-${tag}`, value: kinds[i % kinds.length](i) } }))
}

/** Rows in events and dead_letters of one case. */
export async function caseCounts(store: TestStore, topic: string, tag: string): Promise<{ events: number; unique: number; dead: number }> {
  const db = store.database
  const [e] = await rows<{ n: string; u: string }>(
    store,
    `SELECT count() AS n, uniqExact(event_id) AS u FROM ${db}.events WHERE src_topic = {topic:String} AND startsWith(event_id, {prefix:String})`,
    { topic, prefix: `${tag}-` },
  )
  const [d] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${db}.dead_letters WHERE src_topic = {topic:String} AND message_key = {key:String}`, {
    topic,
    key: `bad-${tag}`,
  })
  return { events: Number(e.n), unique: Number(e.u), dead: Number(d.n) }
}
