import type { GroundTruthLabel, ScenarioName } from './labels'
import type { Install, Tenant } from './population'
import { Rng, clamp, hashString, mixSeed } from './random'
import type { ScenarioContext, ScenarioSettings } from './scenarios'

/** What the gateway scenarios (scenarios.ts, emulator-farm.ts) share: their default timing, frame, recruits and labels. */
export const MIN = 60_000

/** Staggered so a short run sees every scenario start separately. */
export const SCENARIO_DEFAULTS: Record<ScenarioName, { offsetMs: number; durationMs: number }> = {
  prompt_bomber: { offsetMs: 5 * MIN, durationMs: 20 * MIN },
  stream_abuse: { offsetMs: 8 * MIN, durationMs: 40 * MIN },
  emulator_farm: { offsetMs: 10 * MIN, durationMs: 30 * MIN },
  cost_spike: { offsetMs: 15 * MIN, durationMs: 60 * MIN },
  token_reuse: { offsetMs: 5 * MIN, durationMs: 20 * MIN },
  model_shift: { offsetMs: 5 * MIN, durationMs: 40 * MIN },
  benign: { offsetMs: 5 * MIN, durationMs: 60 * MIN },
}

export interface Frame {
  rng: Rng
  start: number
  end: number
  intensity: number
  tenant: Tenant
  s: ScenarioSettings
}

export function frame(name: ScenarioName, ctx: ScenarioContext, tenantFilter: (t: Tenant) => boolean = () => true): Frame {
  const rng = new Rng(mixSeed(ctx.seed, hashString(name)))
  const s = ctx.settings
  const start = ctx.startMs + (s.offsetMs ?? SCENARIO_DEFAULTS[name].offsetMs)
  const candidates = ctx.pop.tenants.filter(tenantFilter)
  const tenant = ctx.pop.tenants.find((t) => t.id === s.tenant) ?? rng.pick(candidates.length ? candidates : ctx.pop.tenants)
  return { rng, start, end: start + (s.durationMs ?? SCENARIO_DEFAULTS[name].durationMs), intensity: clamp(s.intensity ?? 1, 0.05, 50), tenant, s }
}

/** Existing installs of a tenant turned abusive: their history before the attack looks normal. */
export function recruit(ctx: ScenarioContext, f: Frame, count: number): Install[] {
  const pool = ctx.pop.installs.filter((i) => i.tenant === f.tenant && !i.rooted && !ctx.taken.has(i.id))
  const chosen: Install[] = []
  while (chosen.length < count && pool.length) chosen.push(...pool.splice(f.rng.int(pool.length), 1))
  for (const i of chosen) ctx.taken.add(i.id)
  return chosen
}

/** The label of an attack (or look-alike) on a tenant's feature, model or version: subject `tenant/<what>`. */
export function featureLabel(
  name: ScenarioName,
  f: Pick<Frame, 'start' | 'end'> & { tenant: Tenant },
  what: string,
  detail: GroundTruthLabel['detail'],
): GroundTruthLabel {
  return { scenario: name, kind: 'feature', subject: `${f.tenant.id}/${what}`, tenant_id: f.tenant.id, start_ms: f.start, end_ms: f.end, detail }
}

export function installLabels(
  name: ScenarioName,
  f: Pick<Frame, 'start' | 'end'>,
  installs: Install[],
  detail?: GroundTruthLabel['detail'],
): GroundTruthLabel[] {
  return installs.map((i) => ({
    scenario: name,
    kind: 'install' as const,
    subject: i.id,
    tenant_id: i.tenant.id,
    start_ms: f.start,
    end_ms: f.end,
    ...(detail ? { detail } : {}),
  }))
}
