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
 * made: a call **continues** an earlier one when its context is that call's
 * context plus its answer (at least `ANSWER_KEPT` of it, less `SLACK_TOKENS`
 * of tokenizer slack) plus a new message of at most `NEW_MESSAGE_SHARE` of
 * the feature's median context. The earlier ones tried are the
 * `PREDECESSORS` calls just before it and the `PREDECESSORS` large calls
 * just before it: the person's other requests fall between two turns, and
 * under the feature's usual sizes most of them are small (a heavy user's
 * own traffic can put several between two turns). A call under √3 × the
 * feature's median is **small** (where the cumulative test's evidence turns
 * negative: a new session). The install is a **grown conversation** when
 * (1) more of its large calls continue an earlier one than chance explains:
 * under the null of a bomber drawing sizes independently, each large call
 * lines up by chance with probability at most `CHANCE_CONTINUATION`, and
 * the binomial tail of the continued count is under `CHANCE_ALPHA`; and
 * (2) those continuing calls carry at least `GROWN_SHARE` of the large
 * calls' evidence, each call weighed by what it adds to the cumulative test
 * (its LLR is proportional to ln(context / (√3 × median))): a few huge bombs
 * hidden among many turns carry most of the evidence and are not explained,
 * while a person's few ordinary large requests, barely over the line, weigh
 * little. Such an install's own evidence is set aside (its cumulative and
 * window findings stay under the alert line, with the reason) and it is no
 * member of a group.
 *
 * A bomber drawing large contexts independently (σ 0.6) lines up by chance
 * about one large call in four at 2x the median, one in six at 3x, one in
 * eleven at 5x; one repeating a fixed large prompt never does (its context
 * does not grow by the answer). Five of five large calls lined up by chance
 * is 0.25⁵ ≈ 10⁻³ per bomber and run, and a spared run only delays it to a
 * later one with more calls (tests/unit/bombing-conversations.test.ts plays
 * 30 seeds of each). Blind spots: an attacker who feeds each answer back as
 * history and adds at most a short message per turn is a long chat by this
 * test (its context grows linearly; `maxContextTokens` bounds it); a bomber
 * whose sizes sit tightly (σ about 0.2) just above 2x the median lines up
 * about four calls in ten and is spared in about 2 % of runs at 30 calls
 * (0.05 % before the large-call reach and the evidence weights), a run's
 * delay each time; a chat whose turns add retrieved documents or pasted text
 * (more than a short message) and an app that trims the conversation at a
 * cap (the cap's size every turn once there, no growth) are judged as
 * before.
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
  return `a conversation growing turn by turn: ${s.continued} of its ${s.large} large calls (${Math.round(100 * s.continuedShare)} % of their evidence) re-send an earlier call and its answer plus a short message (a long chat re-sending its history, not a bomb)`
}
