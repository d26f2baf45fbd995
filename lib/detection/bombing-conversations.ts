import type { Store } from '../clickhouse/client'
import { selectColumns, toSec } from './query'
import { installRequestsSql } from './sql/install-requests'

/**
 * A long conversation is not a prompt bomb. A chat app re-sends the
 * conversation with every turn: the next request's context is the previous
 * context, plus the previous answer, plus the user's new message. Over a long
 * session the context grows to several times the feature's median, and the
 * cumulative test, which takes each request as a fresh draw, reads turn after
 * turn of a grown conversation as sustained excess (red team round 4: 30
 * people chatting in long sessions, 25 false alerts; 11 when they had chatted
 * that way all along). What the user added per turn is small; what a bomber
 * sends is not grown from anything.
 *
 * Per install and feature, its calls of the window in the order they were
 * made: a call **continues** the one before when its context is the previous
 * context plus the previous answer (at least `ANSWER_KEPT` of it, less a
 * tokenizer's slack of `SLACK_TOKENS`) plus at most an ordinary request's worth
 * of new input (the feature's median context); a call is **small** when its
 * context is under √3 × the feature's median (where the cumulative test's
 * evidence turns negative: a new session). The install's large calls are
 * **grown** when at least `GROWN_SHARE` of them continue the call before, and
 * there are at least `MIN_LARGE` of them (8: a bomber whose few large calls happen to line up, 4 in a row at one in
 * seven, is not spared). Such an install's own evidence is set
 * aside (its cumulative and window findings stay under the alert line, with
 * the reason) and it is no member of a group.
 *
 * A bomber drawing large contexts independently continues the call before by
 * chance about one time in seven (3x the median, σ 0.6), and one repeating a
 * fixed large prompt never does (its context does not grow by the answer).
 * Blind spots: an attacker who feeds each answer back as history and adds at
 * most an ordinary request per turn is a long chat by this test (its context
 * grows linearly; the gateway's `maxContextTokens` bounds it); an app that
 * trims the conversation at a cap sends the cap's size every turn once there,
 * which does not grow and is judged as before.
 */
export const ANSWER_KEPT = 0.9
export const SLACK_TOKENS = 50
export const GROWN_SHARE = 0.9
export const MIN_LARGE = 8

export interface Call {
  start: number
  context: number
  output: number
}

export interface ConversationShape {
  calls: number
  large: number
  continued: number
  grown: boolean
}

/** Pure: whether an install's calls (in start order) are one or more conversations growing turn by turn. */
export function conversationShape(calls: Call[], featureMedian: number): ConversationShape {
  const smallUnder = Math.sqrt(3) * featureMedian
  let large = 0
  let continued = 0
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i]
    if (c.context < smallUnder) continue
    large++
    const prev = calls[i - 1]
    if (!prev) continue
    const low = prev.context + ANSWER_KEPT * prev.output - SLACK_TOKENS
    const high = prev.context + prev.output + featureMedian + SLACK_TOKENS
    if (c.context >= low && c.context <= high) continued++
  }
  return { calls: calls.length, large, continued, grown: large >= MIN_LARGE && continued >= GROWN_SHARE * large }
}

const key = (tenant: string, feature: string, install: string) => `${tenant}\u0000${feature}\u0000${install}`

/**
 * Reads the calls of the installs asked about (once per install and run) and
 * tells which are grown conversations. One instance per detection run: the
 * sequential, group and window tests ask about overlapping installs.
 */
export class ConversationCheck {
  private readonly known = new Map<string, ConversationShape>()

  constructor(
    private readonly store: Store,
    private readonly from: number,
    private readonly now: number,
  ) {}

  /** The grown ones among `installs` (keys tenant\0feature\0install), given each feature's median context. */
  async grown(
    installs: { tenant_id: string; feature: string; install_id: string }[],
    medianOf: (tenant: string, feature: string) => number,
  ): Promise<Set<string>> {
    const unknown = installs.filter((i) => !this.known.has(key(i.tenant_id, i.feature, i.install_id)))
    for (const tenant of new Set(unknown.map((i) => i.tenant_id))) {
      const ids = [...new Set(unknown.filter((i) => i.tenant_id === tenant).map((i) => i.install_id))]
      for (let i = 0; i < ids.length; i += 2_000) await this.read(tenant, ids.slice(i, i + 2_000), medianOf)
      // An install with no calls on record has no shape: not grown.
      for (const u of unknown)
        if (u.tenant_id === tenant && !this.known.has(key(tenant, u.feature, u.install_id))) this.known.set(key(tenant, u.feature, u.install_id), NONE)
    }
    const out = new Set<string>()
    for (const i of installs) if (this.known.get(key(i.tenant_id, i.feature, i.install_id))?.grown) out.add(key(i.tenant_id, i.feature, i.install_id))
    return out
  }

  shape(tenant: string, feature: string, install: string): ConversationShape | undefined {
    return this.known.get(key(tenant, feature, install))
  }

  private async read(tenant: string, installs: string[], medianOf: (tenant: string, feature: string) => number): Promise<void> {
    const { rows: n, cols } = await selectColumns<{ install_id: string; feature: string; start: number; context_tokens: number; completion_tokens: number }>(
      this.store,
      installRequestsSql(this.store.database),
      { tenant, installs, from: toSec(this.from), to: toSec(this.now) + 1 },
    )
    let i = 0
    while (i < n) {
      const install = String(cols.install_id[i])
      const feature = String(cols.feature[i])
      const calls: Call[] = []
      for (; i < n && String(cols.install_id[i]) === install && String(cols.feature[i]) === feature; i++)
        calls.push({ start: Number(cols.start[i]), context: Number(cols.context_tokens[i]), output: Number(cols.completion_tokens[i]) })
      this.known.set(key(tenant, feature, install), conversationShape(calls, medianOf(tenant, feature)))
    }
  }
}

const NONE: ConversationShape = { calls: 0, large: 0, continued: 0, grown: false }

/** The reason an install's finding is set aside. */
export function grownReason(s: ConversationShape): string {
  return `a conversation growing turn by turn: ${s.continued} of its ${s.large} large calls re-send the call before and its answer plus at most an ordinary request (a long chat re-sending its history, not a bomb)`
}
