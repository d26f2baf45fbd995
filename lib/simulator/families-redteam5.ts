import type { AttestationReason } from '../events/schema'
import type { GroundTruthLabel } from './labels'
import { consumerDevice, residentialNetwork } from './population'
import { clamp, weightedPick, type Rng } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { profileOf } from './traffic'
import { MIN, featureOf, freshInstall, poissonCalls, type Frame } from './family-frame'
import { installScenario, withStreams, type HeldStream } from './redteam-streams'
import { tenantUser } from './redteam4-people'
import { sendCall } from './redteam5-calls'
import { redTeam5Attack, type RedTeam5AttackKind } from './redteam5-attacks'
import { redTeam5Cost, type RedTeam5CostKind } from './redteam5-cost'
import { redTeam5Benign, type RedTeam5BenignKind } from './redteam5-benign'

/**
 * Red team, round 5 (issue #15): held-out variants written from the threat model (/work/shared/background) and the
 * event contract (docs/events.md) alone, without reading the detectors or their documentation, and run once for the
 * report. Each is what a person looking at the data would call abuse, or clearly benign.
 *
 * This file: bombing. `rt5_bomb_hit_and_run`: 40 new installs (a script's throwaway identities on residential
 * proxies, each a different phone) that each bomb the chat feature for only 4-6 minutes at 3-4x its median context,
 * 3-4 calls a minute, staggered over the frame, then are never seen again: no install is abusive for long, and at
 * any moment only a few are. `rt5_bomb_repackaged`: 6 installs of a repackaged build (an app version the tenant
 * never shipped) whose attestation fails intermittently (`repackaged`, `signature_mismatch`), at a moderate 2.5x.
 * Farm, zombie streams, token reuse: redteam5-attacks.ts; cost: redteam5-cost.ts; look-alikes: redteam5-benign.ts.
 */
export type RedTeam5Kind = 'rt5_bomb_hit_and_run' | 'rt5_bomb_repackaged' | RedTeam5AttackKind | RedTeam5CostKind | RedTeam5BenignKind

/** Hit and run: how long each identity bombs, and its size by default (3-4x: 3.5x ± 0.15 log). */
const RAID_MIN_MS = 4 * MIN
const RAID_MAX_MS = 6 * MIN
const RAID_FACTOR = 3.5

/** The share of a repackaged build's token checks that fail (the hooking that hides the repack does not always work). */
const REPACK_FAIL = 0.4

function bombSize(rng: Rng, feature: string, factor: number) {
  const p = profileOf(feature)
  return { context: p.ctx * factor * Math.exp(rng.uniform(-0.15, 0.15)), completion: clamp(rng.lognormal(p.out, p.outSigma), 8, 4096) }
}

function hitAndRun(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const factor = f.s.contextFactor ?? RAID_FACTOR
  // Each identity: a phone, carrier and version drawn as the tenant's users are (residential proxies of its countries).
  const raids = Array.from({ length: f.s.installs ?? 40 }, () => {
    const inst = tenantUser(rng, f.tenant, known)
    const length = RAID_MIN_MS + rng.int(RAID_MAX_MS - RAID_MIN_MS)
    const from = f.start + rng.int(Math.max(1, f.end - f.start - length))
    return { inst, from, to: from + length, perMinute: 3 + rng.next(), next: from }
  })
  // Each identity labelled for its own raid only: it exists for nothing else.
  const labels: GroundTruthLabel[] = raids.map((r) => ({
    scenario: 'prompt_bomber',
    kind: 'install',
    subject: r.inst.id,
    tenant_id: f.tenant.id,
    start_ms: r.from,
    end_ms: r.to,
    detail: { feature: feature.name, kind: 'rt5_bomb_hit_and_run', context_factor: factor },
  }))
  const open: HeldStream[] = []
  return {
    name: 'prompt_bomber',
    startMs: f.start,
    endMs: f.end,
    labels,
    tick: withStreams(open, (sink, r, t0, t1) => {
      for (const raid of raids)
        poissonCalls(raid, raid.perMinute, r, t0, Math.min(t1, raid.to), (ts) => {
          sendCall(sink, r, open, raid.inst, ts, feature, bombSize(r, feature.name, factor), raid.to)
        })
    }),
  }
}

function repackaged(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const known = new Set(ctx.pop.installs.map((i) => i.id))
  const latest = f.tenant.versions[f.tenant.versions.length - 1]
  // The store build's name with the repacker's mark: a version none of the tenant's installs has ever sent.
  const version = `${latest}-mod`
  const factor = f.s.contextFactor ?? 2.5
  const perMinute = f.s.perMinute ?? 3
  const bombers = Array.from({ length: f.s.installs ?? 6 }, () => {
    const country = weightedPick(rng, f.tenant.countries)
    const inst = freshInstall(
      rng,
      f.tenant,
      known,
      { ...residentialNetwork(rng, country), country },
      { ...consumerDevice(rng, 'android'), fingerprint: rng.hex(32) },
    )
    inst.appVersion = version
    return { inst, next: f.start + rng.int(2 * MIN), tokenOk: false }
  })
  const verdict = (r: Rng): AttestationReason[] => (r.chance(REPACK_FAIL) ? ['repackaged', 'signature_mismatch'] : [])
  const installs = bombers.map((b) => b.inst)
  const detail = { feature: feature.name, kind: 'rt5_bomb_repackaged', app_version: version, context_factor: factor }
  return installScenario('prompt_bomber', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const b of bombers)
      poissonCalls(b, perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        // The token check, as the gateway makes it; a rejected one is retried 20-60 s later, and meanwhile the
        // gateway refuses the calls (no token): only the attestation is reported.
        if (ts >= b.inst.tokenExpiresAt) {
          const reasons = verdict(r)
          sink.attestation(b.inst, version, ts, reasons, feature.name)
          b.inst.tokenExpiresAt = ts + (reasons.length ? 20_000 + r.int(40_000) : 270_000 + r.int(60_000))
          b.tokenOk = !reasons.length
        }
        if (b.tokenOk) sendCall(sink, r, open, b.inst, ts, feature, bombSize(r, feature.name, factor), f.end, false)
      })
  })
}

export function redTeam5Scenario(ctx: ScenarioContext, f: Frame, kind: RedTeam5Kind): Scenario {
  if (kind === 'rt5_bomb_hit_and_run') return hitAndRun(ctx, f)
  if (kind === 'rt5_bomb_repackaged') return repackaged(ctx, f)
  if (kind.startsWith('rt5_cost_')) return redTeam5Cost(ctx, f, kind as RedTeam5CostKind)
  if (kind.startsWith('rt5_benign_')) return redTeam5Benign(ctx, f, kind as RedTeam5BenignKind)
  return redTeam5Attack(ctx, f, kind as RedTeam5AttackKind)
}
