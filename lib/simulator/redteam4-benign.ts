import type { GroundTruthLabel } from './labels'
import type { Tenant } from './population'
import { clamp } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { NormalTraffic, bytesFor, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, freshInstall, recruitFrom, type Frame } from './family-frame'
import { featureLabel } from './scenario-frame'
import { nextVersion } from './families-release'
import { installScenario } from './redteam-streams'
import { plainCall } from './redteam4-calls'
import { humanTick, pushToDormant, tenantUser, type Person } from './redteam4-people'

/**
 * Red team, round 4 (families-redteam4.ts): benign look-alikes, written from the threat model before the detectors
 * were run on them. None is abuse; what each may fairly raise is in docs/detection.md (Red team, round 4).
 *
 * - `rt4_benign_holiday`: every tenant's ordinary traffic x2.5 for the frame (a public holiday), same installs,
 *   same feature and model mix, same sizes.
 * - `rt4_benign_growing_chat`: 30 people in chat sessions whose context grows turn by turn (the app re-sends the
 *   conversation: each turn adds the user's message and the previous answer), up to 8k tokens, then a new session.
 * - `rt4_benign_new_tenant`: a tenant Burnrate has never seen switches its gateway on: its 400 existing users
 *   arrive over 5 minutes, ordinary phones, networks, versions and sizes, and no history at all.
 * - `rt4_benign_cheaper_default`: a release moves the chat feature's default model to a cheaper one (gpt-4.1 to
 *   gpt-4.1-mini): cost per request drops on the new version as installs upgrade.
 * - `rt4_benign_unplaced_tenant`: the tenant's gateway loses its IP database (a deploy): from the frame's start
 *   every event of the tenant carries ASN 0 and country ZZ ("unknown"); the /24s are still sent.
 * - `rt4_benign_qa_load`: the tenant's QA lab load-tests a staging build (its own bundle id, a release candidate)
 *   from the office /24: 40 test installs, half emulators that pass (the lab's devices are allowed), each sending
 *   the same chat request every 10 s for 15 min.
 * - `rt4_benign_push_dormant` (session 25): a marketing push to lapsed users. 200 users of the tenant (drawn as its
 *   population is) used the app early in the history (1-3 calls each), then went quiet for at least 15 min; the push lands at the frame's
 *   start and they open it over the next minutes (mean 3 min), on their own phones, carriers and versions, and use
 *   the app at ordinary rates. What a woken farm does, done by people.
 */
export type RedTeam4BenignKind =
  | 'rt4_benign_holiday'
  | 'rt4_benign_growing_chat'
  | 'rt4_benign_new_tenant'
  | 'rt4_benign_cheaper_default'
  | 'rt4_benign_unplaced_tenant'
  | 'rt4_benign_qa_load'
  | 'rt4_benign_push_dormant'

/** The ordinary load of the eval grid (tests/eval/family-case.ts run(): 20 events/s, diurnal amplitude 0.4). */
const EVAL_RATE_PER_SEC = 20
const EVAL_AMPLITUDE = 0.4
const HOLIDAY_FACTOR = 2.5

/** A tenant Burnrate has no history of; its features use models of the price catalog. */
const NEW_TENANT: Tenant = {
  id: 'wayne-media',
  appId: 'com.wayne.media',
  versions: ['3.4.0', '3.5.1'],
  versionWeights: [0.3, 0.7],
  features: [
    { name: 'chat_assistant', model: 'gpt-4o-mini', weight: 0.6 },
    { name: 'summarize', model: 'gemini-2.5-flash', weight: 0.4 },
  ],
  countries: [
    ['US', 0.6],
    ['GB', 0.4],
  ],
  iosShare: 0.5,
}

function holiday(ctx: ScenarioContext, f: Frame): Scenario {
  // The extra 1.5x of the ordinary load, drawn as the ordinary traffic draws (activity-weighted installs, local clock).
  const extra = new NormalTraffic(ctx.pop, (HOLIDAY_FACTOR - 1) * EVAL_RATE_PER_SEC, EVAL_AMPLITUDE)
  const labels: GroundTruthLabel[] = [
    { scenario: 'benign', kind: 'cluster', subject: 'rt4-holiday', tenant_id: '*', start_ms: f.start, end_ms: f.end, detail: { factor: HOLIDAY_FACTOR } },
  ]
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick(sink, rng, t0, t1) {
      if (t0 >= f.start && t1 <= f.end) extra.tick(sink, rng, t0, t1)
    },
  }
}

function growingChat(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const people = recruitFrom(ctx, f.tenant, 30, f.rng)
  const state = people.map(() => ({ next: f.start + f.rng.int(3 * MIN), turnsLeft: 0, context: 0 }))
  return installScenario('benign', f, people, { kind: 'rt4_benign_growing_chat', feature: feature.name }, (sink, rng, t0, t1, open) => {
    people.forEach((inst, i) => {
      const s = state[i]
      if (s.next >= Math.min(t1, f.end)) return
      const ts = Math.max(t0, s.next)
      if (s.turnsLeft === 0) {
        // A new session: system prompt and first message.
        s.turnsLeft = 6 + rng.int(13)
        s.context = Math.round(rng.lognormal(700, 0.3))
      }
      const completion = Math.round(clamp(rng.lognormal(p.out, p.outSigma), 8, 4096))
      const duration = Math.round(500 + (completion / rng.uniform(30, 60)) * 1000)
      if (ts + duration <= f.end) {
        const context = Math.min(8_000, s.context)
        refreshToken(sink, rng, inst, inst.appVersion, ts, normalVerdict, feature.name)
        const u: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
        open.push({ inst, u, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000 })
      }
      // The next turn re-sends all of it, plus this answer and the user's next message.
      s.context += completion + 40 + rng.int(110)
      s.turnsLeft--
      s.next = ts + duration + (s.turnsLeft ? Math.round(rng.uniform(20_000, 80_000)) : Math.round(rng.exponential(4 * MIN)))
    })
  })
}

function newTenant(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const people: Person[] = []
  for (let i = 0; i < 400; i++) {
    const inst = tenantUser(rng, NEW_TENANT, known)
    people.push({ inst, joinAt: f.start + rng.int(5 * MIN), perMinute: 0.2 + 0.8 * rng.next() })
  }
  const insts = people.map((p) => p.inst)
  return installScenario('benign', f, insts, { kind: 'rt4_benign_new_tenant' }, humanTick(people, f))
}

function cheaperDefault(ctx: ScenarioContext, f: Frame): Scenario {
  const feature = featureOf(f)
  const release = nextVersion(f)
  const cheaper = f.s.model ?? 'gpt-4.1-mini'
  const upgradeAt = new Float64Array(ctx.pop.installs.length).fill(Infinity)
  for (const inst of ctx.pop.installs)
    if (inst.tenant === f.tenant && !ctx.taken.has(inst.id) && f.rng.chance(0.7)) upgradeAt[inst.index] = f.start + f.rng.exponential(8 * MIN)
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    // The change is real (a cost alert on the feature is right, scored true); no install is an attacker.
    labels: [featureLabel('benign', f, `${feature.name}/${release}`, { kind: 'rt4_benign_cheaper_default', from: feature.model, to: cheaper })],
    hook: {
      appVersion: (inst, version, ts) => (inst.index >= 0 && ts >= upgradeAt[inst.index] ? release : version),
      contextFactor: () => 1,
      model: (inst, name, model, ts) => (inst.tenant === f.tenant && name === feature.name && ts >= upgradeAt[inst.index] ? cheaper : model),
    },
    tick() {},
  }
}

function unplacedTenant(ctx: ScenarioContext, f: Frame): Scenario {
  const installs = ctx.pop.installs.filter((i) => i.tenant === f.tenant && !ctx.taken.has(i.id))
  const homes = installs.map((i) => ({ asn: i.asn, country: i.country }))
  let unplaced = false
  return {
    name: 'benign',
    startMs: f.start,
    endMs: f.end,
    // The whole tenant, as one cluster label (many of its installs do not call in the frame); any alert on it is false.
    labels: [
      {
        scenario: 'benign',
        kind: 'cluster',
        subject: `${f.tenant.id}:rt4-unplaced`,
        tenant_id: f.tenant.id,
        start_ms: f.start,
        end_ms: f.end,
        detail: { kind: 'rt4_benign_unplaced_tenant', installs: installs.length },
      },
    ],
    tick(_sink, _rng, _t0, t1) {
      // Switched at the end of a tick: the ordinary traffic of this tick (emitted before the scenarios) is placed.
      const now = t1 >= f.start && t1 < f.end
      if (now === unplaced) return
      unplaced = now
      installs.forEach((inst, k) => Object.assign(inst, unplaced ? { asn: 0, country: 'ZZ' } : homes[k]))
    },
  }
}

function qaLoad(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const staging: Tenant = { ...f.tenant, appId: `${f.tenant.appId}.staging` }
  const office = { asn: 397213, country: f.tenant.countries[0][0], ipPrefix: `${rng.pick([64, 66, 208])}.${rng.int(256)}.${rng.int(256)}.0/24` }
  const rc = `${nextVersion(f)}-rc.1`
  const testers = Array.from({ length: 40 }, (_, i) => {
    const device = i % 2 ? { deviceModel: 'sdk_gphone64_x86_64', osVersion: '14' } : { deviceModel: 'Pixel 8', osVersion: '15' }
    const inst = freshInstall(rng, staging, known, office, { ...device, fingerprint: rng.hex(32) })
    inst.appVersion = rc
    return inst
  })
  const from = f.start + 2 * MIN
  const to = Math.min(f.end, from + 15 * MIN)
  const nextAt = testers.map((_, i) => from + i * 250)
  return installScenario('benign', f, testers, { kind: 'rt4_benign_qa_load', app_version: rc }, (sink, r, t0, t1) => {
    testers.forEach((inst, i) => {
      while (nextAt[i] < Math.min(t1, to)) {
        const ts = Math.max(t0, nextAt[i])
        nextAt[i] = ts + 10_000 + r.int(300)
        const completion = Math.round(clamp(r.lognormal(profileOf(feature.name).out, 0.3), 8, 4096))
        plainCall(sink, r, inst, ts, feature, Math.round(1_200 * r.uniform(0.99, 1.01)), completion)
      }
    })
  })
}

export function redTeam4Benign(ctx: ScenarioContext, f: Frame, kind: RedTeam4BenignKind): Scenario {
  if (kind === 'rt4_benign_holiday') return holiday(ctx, f)
  if (kind === 'rt4_benign_growing_chat') return growingChat(ctx, f)
  if (kind === 'rt4_benign_new_tenant') return newTenant(ctx, f)
  if (kind === 'rt4_benign_cheaper_default') return cheaperDefault(ctx, f)
  if (kind === 'rt4_benign_unplaced_tenant') return unplacedTenant(ctx, f)
  if (kind === 'rt4_benign_push_dormant') return pushToDormant(ctx, f)
  return qaLoad(ctx, f)
}
