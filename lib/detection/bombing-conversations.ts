import type { Store } from '../clickhouse/client'
import { selectColumns, toSec } from './query'
import { binomialLogTail } from './stats'
import { installRequestsSql } from './sql/install-requests'

/**
 * A long conversation is not a prompt bomb. A chat app re-sends the
 * conversation with every turn: the next request's context is the previous
 * context, plus the previous answer, plus the user's new message. Over a long
 * session the context grows to several times the feature's median, and the
 * cumulative test, which takes each request as a fresh draw, reads turn after
 * turn of a grown conversation as sustained excess (red team round 4: 30
 * people in long chat sessions, 25 false alerts; 11 when they had chatted
 * that way all along). What the user added per turn is small; what a bomber
 * sends is not grown from anything.
 *
 * Per install and feature, its calls of the window in the order they were
 * made: a call **continues** an earlier one (one of the `PREDECESSORS` calls
 * just before it: the same person's other requests can fall between two
 * turns) when its context is that call's context plus its answer (at least
 * `ANSWER_KEPT` of it, less `SLACK_TOKENS` of tokenizer slack) plus a new
 * message of at most `NEW_MESSAGE_SHARE` of the feature's median context; a
 * call under √3 × the feature's median is **small** (where the cumulative
 * test's evidence turns negative: a new session). The install is a **grown
 * conversation** when it has at least `MIN_LARGE` large calls and those that
 * continue an earlier one carry at least `GROWN_SHARE` of the large calls'
 * context tokens (by tokens: a few huge bombs hidden among many short turns
 * carry most of the tokens and are not explained). Such an install's own
 * evidence is set aside (its cumulative and window findings stay under the
 * alert line, with the reason) and it is no member of a group.
 *
 * A bomber drawing large contexts independently lands in one of those narrow
 * windows by chance about one call in six (3x the median, σ 0.6), and one
 * repeating a fixed large prompt never does (its context does not grow by
 * the answer): three quarters of the tokens of `MIN_LARGE` (8) large calls
 * lined up by chance is about 10⁻³ per bomber and run, and a spared run only
 * delays it to a later one with more calls (10⁻⁵ at 12; tests/unit/bombing-conversations.test.ts
 * plays 30 seeds of each). Blind spots: an attacker who feeds each answer
 * back as history and adds at most a short message per turn is a long chat
 * by this test (its context grows linearly; `maxContextTokens` bounds it); a
 * chat whose turns add retrieved documents or pasted text (more than a short
 * message) and an app that trims the conversation at a cap (the cap's size
 * every turn once there, no growth) are judged as before.
 */
export const ANSWER_KEPT = 0.9
export const SLACK_TOKENS = 50
export const NEW_MESSAGE_SHARE = 0.25
export const PREDECESSORS = 2
export const GROWN_SHARE = 0.75
/** A bomber's large call lines up with one of its candidates by chance at most this often (2x the median, σ 0.6: 0.24). */
export const CHANCE_CONTINUATION = 0.25
/** The binomial tail under that rate below which the continued calls are not chance: about one bomber's run in 1,000. */
export const CHANCE_ALPHA = 1e-3

export interface Call {
  start: number
  context: number
  output: number
}

export interface ConversationShape {
  calls: number
  large: number
  continued: number
  /** Share of the large calls' evidence (each one's ln(context / (√3 × median))) carried by those that continue an earlier call. */
  continuedShare: number
  grown: boolean
}

/** Pure: whether an install's calls (in start order) are conversations growing turn by turn. */
export function conversationShape(calls: Call[], featureMedian: number): ConversationShape {
  const smallUnder = Math.sqrt(3) * featureMedian
  const newMessage = NEW_MESSAGE_SHARE * featureMedian
  let large = 0
  let continued = 0
  let largeEvidence = 0
  let continuedEvidence = 0
  const largeBefore: number[] = []
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i]
    if (c.context < smallUnder) continue
    // What this request adds to the cumulative test (its LLR over the feature's usual sizes, up to the factor δ/σ²).
    const evidence = Math.log(c.context / smallUnder)
    large++
    largeEvidence += evidence
    const candidates = [...largeBefore.slice(-PREDECESSORS)]
    for (let j = Math.max(0, i - PREDECESSORS); j < i; j++) if (!candidates.includes(j)) candidates.push(j)
    if (candidates.some((j) => continues(c, calls[j], newMessage))) {
      continued++
      continuedEvidence += evidence
    }
    largeBefore.push(i)
  }
  const continuedShare = largeEvidence ? continuedEvidence / largeEvidence : 0
  const byChance = Math.exp(binomialLogTail(continued, large, CHANCE_CONTINUATION))
  return { calls: calls.length, large, continued, continuedShare, grown: byChance < CHANCE_ALPHA && continuedShare >= GROWN_SHARE }
}

/** Whether `c`'s context is `prev`'s context plus (most of) its answer plus a short new message. */
function continues(c: Call, prev: Call, newMessage: number): boolean {
  const low = prev.context + ANSWER_KEPT * prev.output - SLACK_TOKENS
  const high = prev.context + prev.output + newMessage + SLACK_TOKENS
  return c.context >= low && c.context <= high
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

const NONE: ConversationShape = { calls: 0, large: 0, continued: 0, continuedShare: 0, grown: false }

/** The reason an install's finding is set aside. */
export function grownReason(s: ConversationShape): string {
  return `a conversation growing turn by turn: ${s.continued} of its ${s.large} large calls (${Math.round(100 * s.continuedShare)} % of their tokens) re-send an earlier call and its answer plus a short message (a long chat re-sending its history, not a bomb)`
}
