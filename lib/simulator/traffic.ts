import type { AttestationReason } from '../events/schema'
import type { FeatureSpec, Install, Population, Tenant } from './population'
import { EventSink, type EndReason, type RuleKind, type Usage } from './event-sink'
import { Rng, WeightedPicker, clamp } from './random'

export { EventSink, type Usage } from './event-sink'

interface FeatureProfile {
  ctx: number
  ctxSigma: number
  out: number
  outSigma: number
  streamShare: number
  wsShare: number
}

/** Typical sizes per feature; medians in tokens, sigma of the lognormal. */
export const FEATURE_PROFILES: Record<string, FeatureProfile> = {
  chat_assistant: { ctx: 900, ctxSigma: 0.6, out: 320, outSigma: 0.45, streamShare: 0.88, wsShare: 0.35 },
  summarize: { ctx: 1600, ctxSigma: 0.45, out: 220, outSigma: 0.4, streamShare: 0.2, wsShare: 0.1 },
  search_qa: { ctx: 1200, ctxSigma: 0.5, out: 260, outSigma: 0.4, streamShare: 0.35, wsShare: 0.2 },
  image_caption: { ctx: 700, ctxSigma: 0.25, out: 120, outSigma: 0.35, streamShare: 0, wsShare: 0 },
  translate: { ctx: 350, ctxSigma: 0.6, out: 300, outSigma: 0.55, streamShare: 0, wsShare: 0 },
}
const DEFAULT_PROFILE = FEATURE_PROFILES.summarize

export function profileOf(feature: string): FeatureProfile {
  return FEATURE_PROFILES[feature] ?? DEFAULT_PROFILE
}

/** Input tokens → request bytes: ~4 bytes per token for English text, with some spread. */
export function bytesFor(rng: Rng, tokens: number): number {
  return Math.round(tokens * rng.uniform(3.6, 4.4))
}

const TRANSIENT_REJECTIONS: [AttestationReason[], number][] = [
  [['token_expired'], 55],
  [['token_invalid'], 12],
  [['debugger_attached'], 10],
  [['hooking_framework'], 5],
  [['other'], 8],
  [['signature_mismatch'], 3],
  [['token_missing'], 7],
]
const transientPicker = new WeightedPicker(
  TRANSIENT_REJECTIONS.map((r) => r[0]),
  TRANSIENT_REJECTIONS.map((r) => r[1]),
)

/** Legitimate installs: ~1% rejected overall, mostly expired tokens plus a few rooted phones that always fail. */
export function normalVerdict(rng: Rng, inst: Install): AttestationReason[] {
  if (inst.rooted && rng.chance(0.95)) return inst.platform === 'ios' ? ['jailbroken'] : ['rooted']
  return rng.chance(0.006) ? transientPicker.pick(rng) : []
}

/** Emits an attestation when the install's token has expired, i.e. once per ~5 min of activity. */
export function refreshToken(
  sink: EventSink,
  rng: Rng,
  inst: Install,
  version: string,
  ts: number,
  verdict: (rng: Rng, inst: Install) => AttestationReason[],
  feature?: string,
): void {
  if (ts < inst.tokenExpiresAt) return
  const reasons = verdict(rng, inst)
  sink.attestation(inst, version, ts, reasons, feature)
  // A rejected client retries soon; an accepted token lasts ~5 min.
  inst.tokenExpiresAt = ts + (reasons.length ? 20_000 + rng.int(40_000) : 270_000 + rng.int(60_000))
}

/**
 * A normal-shaped call for a feature, scaled by contextFactor (the cost-spike bug re-sends history) and
 * completionFactor (a release that makes answers longer; still capped at the 4,096-token output limit).
 */
export function normalCall(
  sink: EventSink,
  rng: Rng,
  inst: Install,
  version: string,
  ts: number,
  f: FeatureSpec,
  contextFactor = 1,
  billedFactor?: number,
  completionFactor = 1,
): void {
  const p = profileOf(f.name)
  const context = Math.max(16, Math.round(rng.lognormal(p.ctx, p.ctxSigma) * contextFactor))
  // x * 1 === x: with no factor the draws and sizes are those of before the factor existed.
  let completion = Math.round(clamp(rng.lognormal(p.out, p.outSigma) * completionFactor, 8, 4096))
  const u: Usage = { feature: f.name, model: f.model, context, prompt: context, completion, bytes: bytesFor(rng, context) }
  if (billedFactor !== undefined) u.billedFactor = billedFactor
  if (rng.chance(0.0005)) {
    const kind: RuleKind = rng.pick(['tokens_per_minute', 'tokens_per_minute', 'tokens_per_day', 'max_context_tokens', 'spend_per_day'])
    sink.denial(inst, version, ts, f.name, f.model, kind)
    return
  }
  if (rng.next() < p.streamShare) {
    const ttft = clamp(rng.lognormal(420, 0.35), 200, 900)
    const tokPerSec = rng.uniform(30, 80)
    const r = rng.next()
    let end: EndReason = 'completed'
    let duration: number
    if (r < 0.965) {
      duration = ttft + (completion / tokPerSec) * 1000
    } else if (r < 0.994) {
      end = 'client_disconnect' // user left the screen mid-answer: pays for what was streamed
      completion = Math.floor(completion * rng.uniform(0.05, 0.9))
      duration = ttft + (completion / tokPerSec) * 1000
    } else {
      end = 'timeout' // upstream stalled until the gateway's 60 s idle limit
      completion = Math.floor(completion * rng.uniform(0, 0.3))
      duration = 60_000 + ttft + (completion / tokPerSec) * 1000
    }
    u.completion = completion
    sink.stream(inst, version, ts, u, rng.next() < p.wsShare ? 'websocket' : 'sse', duration, ttft, end)
    return
  }
  if (rng.chance(0.015)) {
    u.prompt = 0
    u.completion = 0
    sink.request(inst, version, ts, u, 'upstream_error', rng.chance(0.6) ? rng.uniform(40, 600) : rng.uniform(10_000, 30_000))
    return
  }
  const latency = clamp(rng.lognormal(420, 0.35), 150, 2000) + (completion / rng.uniform(60, 150)) * 1000
  sink.request(inst, version, ts, u, 'served', latency)
}

/** Lets a scenario change what normal installs send (which version they run, how big their context is). */
export interface TrafficHook {
  appVersion(inst: Install, version: string, ts: number): string
  contextFactor(inst: Install, feature: string, version: string, ts: number): number
  /** The model a feature's call goes to (a config push moving traffic to another model). */
  model?(inst: Install, feature: string, model: string, ts: number): string
  /** The gateway meters the call and bills this many times the catalog price (a provider's price change); undefined: not metered. */
  billedFactor?(inst: Install, model: string, ts: number): number | undefined
  /** Answers this many times their usual length (a release's verbose system prompt, a raised max_tokens); absent: 1. */
  completionFactor?(inst: Install, feature: string, version: string, ts: number): number
  /** Extra copies of the call sent 0.2-3 s later (a release's retry loop or double-fired call); 0 or absent: none. */
  repeat?(inst: Install, feature: string, version: string, ts: number): number
  /** Overrides an attestation verdict (a global token-service outage); null keeps the normal one. */
  verdict?(inst: Install, ts: number): AttestationReason[] | null
}

interface TzGroup {
  tz: number
  share: number
  picker: WeightedPicker<Install>
}

/**
 * Legitimate traffic. The load follows each install's local clock, peaking
 * at 15:00 local, so the global curve is a blend of timezones. `ratePerSec`
 * is the daily mean, attestation events included.
 */
export class NormalTraffic {
  private readonly groups: TzGroup[] = []
  private readonly features = new Map<Tenant, WeightedPicker<FeatureSpec>>()
  hooks: TrafficHook[] = []

  constructor(
    pop: Population,
    private readonly ratePerSec: number,
    private readonly amplitude: number,
  ) {
    const byTz = new Map<number, Install[]>()
    let total = 0
    for (const inst of pop.installs) {
      const list = byTz.get(inst.tzHours) ?? []
      list.push(inst)
      byTz.set(inst.tzHours, list)
      total += inst.activity
    }
    for (const [tz, list] of [...byTz].sort((a, b) => a[0] - b[0])) {
      const weights = list.map((i) => i.activity)
      const picker = new WeightedPicker(list, weights)
      this.groups.push({ tz, share: picker.total / total, picker })
    }
    for (const t of pop.tenants)
      this.features.set(
        t,
        new WeightedPicker(
          t.features,
          t.features.map((f) => f.weight),
        ),
      )
  }

  /** Expected events/s at an instant (before Poisson noise). */
  rateAt(ms: number): number {
    let sum = 0
    for (const g of this.groups) sum += g.share * this.shape(g.tz, ms)
    return this.ratePerSec * sum
  }

  private shape(tz: number, ms: number): number {
    const localHour = (((ms / 3_600_000 + tz) % 24) + 24) % 24
    return 1 + this.amplitude * Math.sin((2 * Math.PI * (localHour - 9)) / 24)
  }

  tick(sink: EventSink, rng: Rng, t0: number, t1: number): void {
    const span = t1 - t0
    const mid = t0 + span / 2
    for (const g of this.groups) {
      const target = rng.poisson((this.ratePerSec * g.share * this.shape(g.tz, mid) * span) / 1000)
      let stop = sink.out.length + target
      while (sink.out.length < stop) {
        const inst = g.picker.pick(rng)
        const ts = t0 + Math.floor(rng.next() * span)
        const f = this.features.get(inst.tenant)!.pick(rng)
        let version = inst.appVersion
        let factor = 1
        let spec = f
        let verdict = normalVerdict
        let outFactor = 1
        let copies = 0
        let billed: number | undefined
        for (const h of this.hooks) {
          version = h.appVersion(inst, version, ts)
          factor *= h.contextFactor(inst, f.name, version, ts)
          outFactor *= h.completionFactor?.(inst, f.name, version, ts) ?? 1
          const model = h.model?.(inst, f.name, spec.model, ts)
          if (model && model !== spec.model) spec = { ...spec, model }
          if (h.verdict) verdict = (r, i) => h.verdict!(i, ts) ?? normalVerdict(r, i)
          copies += h.repeat?.(inst, f.name, version, ts) ?? 0
          const metered = h.billedFactor?.(inst, spec.model, ts)
          if (metered !== undefined) billed = (billed ?? 1) * metered
        }
        refreshToken(sink, rng, inst, version, Math.max(t0, ts - 30 - rng.int(300)), verdict, f.name)
        normalCall(sink, rng, inst, version, ts, spec, factor, billed, outFactor)
        // The copies are not part of the ordinary load: they extend this group's quota instead of using it.
        const before = sink.out.length
        for (let k = 0; k < copies; k++) normalCall(sink, rng, inst, version, Math.min(t1 - 1, ts + 200 + rng.int(2_800)), spec, factor, billed, outFactor)
        stop += sink.out.length - before
      }
    }
  }
}
