import type { Install } from './population'
import { clamp, weightedPick } from './random'
import type { Scenario, ScenarioContext } from './scenarios'
import { bytesFor, normalVerdict, profileOf, refreshToken, type Usage } from './traffic'
import { MIN, featureOf, poissonCalls, recruitFrom, type Frame } from './family-frame'
import { installScenario } from './redteam-streams'
import { ordinarySize, sendCall } from './redteam5-calls'

/**
 * Red team, round 7 (families-redteam7.ts): benign look-alikes made of people, written from the threat model before
 * the detectors were run on them. None is abuse.
 *
 * - `rt7_benign_support_desk`: the bank's own call centre. 30 agents use the bank's app on company phones (all one
 *   model, each its own fingerprint) from the bank's office network (the bank's own ASN, one /24), as they did
 *   throughout the history. Their shift starts in the frame's first 3 minutes: each agent then answers customers on
 *   the phone, looking up a policy for nearly every question (search_qa, 2-4 calls a minute, contexts 1.5-2x the
 *   feature's median because the app retrieves the customer's statement), pausing 1-3 minutes between customers.
 *   (Many installs on one /24, one phone model, well above a person's rate, bigger prompts: the tenant's own staff.)
 * - `rt7_benign_offline_flush`: a flight lands. 50 of the tenant's users turned their phones to airplane mode for the
 *   flight while the app queued "summarize later" requests; within 6 minutes of each other they switch on, and each
 *   app flushes its queue: 4-12 queued summarize calls of the usual size within 10-30 s, then its user goes on at a
 *   person's rate. (A per-install burst of calls, many installs in the same minutes, nothing oversized.)
 * - `rt7_benign_retry_storm`: the model provider's regional endpoint rate-limits the tenant's key for 6 minutes. 150 of
 *   the tenant's users in that region (travellers on a busy afternoon) translate 0.5-1 times a minute each over the
 *   frame, on top of their other use of the app (in the eval's case the feature's calls are about 2x its history's
 *   from the frame's start, as at an evening peak); during the episode 7 in 10 of their calls fail upstream (no
 *   tokens billed) and the app's SDK retries the same request after 1, 2 and 4 s until one is served or 3 retries
 *   failed. (Bursts of identical requests and errors from many installs at once, more people translating.)
 * - `rt7_benign_voice_mode`: the health app's new voice mode, tried by 40 of its users: a voice conversation is one
 *   chat stream held for 2-6 minutes while the user talks and listens; the gateway counts the text of the model's
 *   spoken answers, 1-3 tokens a second on average with long silences. One conversation at a time, 1-3 a user with
 *   1-5 minutes between, ordinary prompts. (Long streams with little output, on many installs.)
 */
export type RedTeam7BenignKind = 'rt7_benign_support_desk' | 'rt7_benign_offline_flush' | 'rt7_benign_retry_storm' | 'rt7_benign_voice_mode'

/** The bank's own network: an enterprise ASN. */
const BANK_ASN = 19_905

function supportDesk(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = f.tenant.features.find((x) => x.name === 'search_qa') ?? featureOf(f)
  const p = profileOf(feature.name)
  const office = { asn: BANK_ASN, country: f.tenant.countries[0][0], ipPrefix: `${140 + rng.int(20)}.${rng.int(256)}.${rng.int(256)}.0/24` }
  // Company phones on the office network from the start of history (the population's objects: history uses them too).
  const agents = recruitFrom(ctx, f.tenant, f.s.installs ?? 30, rng).map((inst) => {
    Object.assign(inst, office, { platform: 'android', deviceModel: 'SM-A546B', osVersion: '14' })
    const shiftAt = f.start + rng.int(3 * MIN)
    return { inst, next: shiftAt, customerEnds: shiftAt + 2 * MIN + rng.int(4 * MIN), perMinute: 2 + 2 * rng.next() }
  })
  const detail = { kind: 'rt7_benign_support_desk', asn: String(BANK_ASN), ip_prefix: office.ipPrefix }
  const installs = agents.map((a) => a.inst)
  return installScenario('benign', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const a of agents)
      while (a.next < Math.min(t1, f.end)) {
        const ts = Math.max(t0, a.next)
        if (ts >= a.customerEnds) {
          // Wrap-up and the next customer: 1-3 minutes without a lookup, then a call of 2-6 minutes.
          a.next = ts + MIN + r.int(2 * MIN)
          a.customerEnds = a.next + 2 * MIN + r.int(4 * MIN)
          continue
        }
        a.next = ts + 1 + Math.round(r.exponential(MIN / a.perMinute))
        const size = { context: r.lognormal(p.ctx, p.ctxSigma) * r.uniform(1.5, 2), completion: clamp(r.lognormal(p.out, p.outSigma), 8, 4096) }
        sendCall(sink, r, open, a.inst, ts, feature, size, f.end)
      }
  })
}

function offlineFlush(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = f.tenant.features.find((x) => x.name === 'summarize') ?? featureOf(f)
  const landing = f.start + 5 * MIN
  const people = recruitFrom(ctx, f.tenant, f.s.installs ?? 50, rng).map((inst) => {
    const on = landing + rng.int(6 * MIN)
    const spanMs = 10_000 + rng.int(20_000)
    const queued = Array.from({ length: 4 + rng.int(9) }, () => on + rng.int(spanMs)).sort((a, b) => a - b)
    return { inst, queued, next: on + spanMs + Math.round(rng.exponential(2 * MIN)), perMinute: 0.3 + 0.6 * rng.next() }
  })
  const all = f.tenant.features.map((x) => [x, x.weight] as const)
  const detail = { kind: 'rt7_benign_offline_flush', feature: feature.name }
  const installs = people.map((x) => x.inst)
  return installScenario('benign', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const x of people) {
      while (x.queued.length && x.queued[0] < t1) {
        const ts = Math.max(t0, x.queued.shift()!)
        sendCall(sink, r, open, x.inst, ts, feature, ordinarySize(r, feature), f.end)
      }
      poissonCalls(x, x.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        const spec = weightedPick(r, all)
        sendCall(sink, r, open, x.inst, ts, spec, ordinarySize(r, spec), f.end)
      })
    }
  })
}

/** Countries one regional endpoint of the provider serves. */
const REGION = ['GB', 'FR', 'ES', 'DE', 'NL']

function retryStorm(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = f.tenant.features.find((x) => x.name === 'translate') ?? featureOf(f)
  const p = profileOf(feature.name)
  const episode = { from: f.start + 10 * MIN, to: f.start + 16 * MIN }
  const inRegion = ctx.pop.installs.filter((i) => i.tenant === f.tenant && REGION.includes(i.country) && !i.rooted && !ctx.taken.has(i.id))
  const users = inRegion.slice(0, f.s.installs ?? 150).map((inst) => ({
    inst,
    next: f.start + rng.int(2 * MIN),
    perMinute: 0.5 + 0.5 * rng.next(),
    // The SDK's next try of a failed request: when, which try, and the request (the same each time).
    retry: null as { at: number; attempt: number; u: Usage } | null,
  }))
  for (const u of users) ctx.taken.add(u.inst.id)
  const failing = (ts: number) => ts >= episode.from && ts < episode.to
  const detail = { kind: 'rt7_benign_retry_storm', feature: feature.name, region: REGION }
  const installs = users.map((u) => u.inst)
  return installScenario('benign', f, installs, detail, (sink, r, t0, t1) => {
    // One try of the request: served, or failed upstream (nothing billed) and retried after 1, 2, 4 s (3 retries).
    const attempt = (x: (typeof users)[number], ts: number, n: number, u: Usage) => {
      const fails = failing(ts) && r.chance(0.7)
      if (!fails) {
        sink.request(x.inst, x.inst.appVersion, ts, u, 'served', Math.round(500 + (u.completion / r.uniform(60, 150)) * 1000))
        x.retry = null
        return
      }
      const latency = Math.round(r.uniform(80, 400))
      sink.request(x.inst, x.inst.appVersion, ts, { ...u, prompt: 0, completion: 0 }, 'upstream_error', latency)
      x.retry = n < 3 && ts + latency + 1_000 * 2 ** n < f.end ? { at: ts + latency + 1_000 * 2 ** n, attempt: n + 1, u } : null
    }
    for (const x of users) {
      if (x.retry && x.retry.at >= t0 && x.retry.at < t1) attempt(x, x.retry.at, x.retry.attempt, x.retry.u)
      poissonCalls(x, x.perMinute, r, t0, Math.min(t1, f.end), (ts) => {
        if (x.retry) return // the user waits for the answer still being retried
        const context = Math.max(16, Math.round(r.lognormal(p.ctx, p.ctxSigma)))
        const completion = Math.round(clamp(r.lognormal(p.out, p.outSigma), 8, 4096))
        refreshToken(sink, r, x.inst, x.inst.appVersion, ts, normalVerdict, feature.name)
        attempt(x, ts, 0, { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(r, context) })
      })
    }
  })
}

function voiceMode(ctx: ScenarioContext, f: Frame): Scenario {
  const rng = f.rng
  const feature = featureOf(f)
  const p = profileOf(feature.name)
  const users = recruitFrom(ctx, f.tenant, f.s.installs ?? 40, rng).map((inst: Install) => ({
    inst,
    next: f.start + rng.int(10 * MIN),
    left: 1 + rng.int(3),
  }))
  const detail = { kind: 'rt7_benign_voice_mode', feature: feature.name }
  const installs = users.map((u) => u.inst)
  return installScenario('benign', f, installs, detail, (sink, r, t0, t1, open) => {
    for (const u of users)
      while (u.left > 0 && u.next < Math.min(t1, f.end)) {
        const ts = Math.max(t0, u.next)
        const duration = Math.round(r.uniform(2 * MIN, 6 * MIN))
        u.left--
        u.next = ts + duration + MIN + r.int(4 * MIN)
        if (ts + duration >= f.end) continue
        const context = Math.round(r.lognormal(p.ctx, p.ctxSigma))
        const completion = Math.round((duration / 1000) * r.uniform(1, 3))
        const usage: Usage = { feature: feature.name, model: feature.model, context, prompt: context, completion, bytes: bytesFor(r, context) }
        refreshToken(sink, r, u.inst, u.inst.appVersion, ts, normalVerdict, feature.name)
        open.push({ inst: u.inst, u: usage, start: ts, duration, id: sink.streamId(), nextReport: ts + 30_000 })
      }
  })
}

export function redTeam7Benign(ctx: ScenarioContext, f: Frame, kind: RedTeam7BenignKind): Scenario {
  if (kind === 'rt7_benign_support_desk') return supportDesk(ctx, f)
  if (kind === 'rt7_benign_offline_flush') return offlineFlush(ctx, f)
  if (kind === 'rt7_benign_retry_storm') return retryStorm(ctx, f)
  return voiceMode(ctx, f)
}
