/**
 * Realistic gateway events for the benchmarks, generated fast and
 * deterministically. Field shapes and value distributions follow what
 * lib/simulator emits (≈590-byte JSON, half llm_request, half stream, ~1%
 * attestations and denials), but without its per-install traffic model, which
 * is far slower than the pipeline it would have to feed.
 */
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'claude-sonnet-4', 'claude-haiku-4', 'gemini-2.5-flash', 'llama-3.1-70b']
const FEATURES = ['chat_assistant', 'summarize', 'translate', 'photo_caption', 'smart_reply']
const TENANTS = [
  ['acme-fitness', 'com.acme.fitness'],
  ['initech-bank', 'com.initech.bank'],
  ['globex-travel', 'com.globex.travel'],
  ['umbrella-health', 'com.umbrella.health'],
]
const DEVICES = [
  ['android', 'SM-S918B', '13'],
  ['android', 'Pixel 8', '14'],
  ['ios', 'iPhone14,7', '18.2'],
  ['ios', 'iPhone15,2', '17.5'],
]
const COUNTRIES = [
  ['US', 7018],
  ['DE', 3320],
  ['ES', 12479],
  ['BR', 28573],
  ['IN', 55836],
] as const

/** xorshift32: fast, seedable, good enough to spread values. */
function rng(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

export interface CorpusOptions {
  count: number
  seed?: number
  installs?: number
  /** Timestamps are spread over [endMs - spanMs, endMs). */
  endMs?: number
  spanMs?: number
  /** Prefix of event ids, so separate runs never share ids. */
  tag?: string
}

export interface CorpusRecord {
  key: string
  value: Buffer
}

export function* corpus(opts: CorpusOptions): Generator<CorpusRecord> {
  const rand = rng(opts.seed ?? 42)
  const installs = opts.installs ?? 20_000
  const end = opts.endMs ?? Date.now()
  const span = opts.spanMs ?? 3_600_000
  const tag = opts.tag ?? 'b'
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]
  for (let i = 0; i < opts.count; i++) {
    const inst = Math.floor(rand() * installs)
    const [tenant, app] = TENANTS[inst % TENANTS.length]
    const [platform, device, os] = DEVICES[inst % DEVICES.length]
    const [country, asn] = COUNTRIES[inst % COUNTRIES.length]
    const install = `i-${((inst * 2654435761) >>> 0).toString(16).padStart(8, '0')}${inst.toString(16).padStart(8, '0')}`
    const base = {
      schema_version: 1,
      event_id: `${tag}-${i.toString(36)}`,
      ts: end - span + Math.floor((i / opts.count) * span),
      tenant_id: tenant,
      install_id: install,
      app_id: app,
      app_version: `${1 + (inst % 7)}.${inst % 13}.0`,
      platform,
      device_model: device,
      os_version: os,
      device_fingerprint: `${install.slice(2)}${install.slice(2)}`,
      ip_prefix: `${(inst >> 8) & 255}.${inst & 255}.${(inst * 7) & 255}.0/24`,
      asn,
      country,
    }
    const roll = rand()
    let event: Record<string, unknown>
    if (roll < 0.01) {
      const rejected = rand() < 0.2
      event = { ...base, type: 'attestation', verdict: rejected ? 'rejected' : 'accepted', reasons: rejected ? ['emulator'] : [], feature: pick(FEATURES) }
    } else if (roll < 0.012) {
      event = {
        ...base,
        type: 'policy_denial',
        feature: pick(FEATURES),
        model: pick(MODELS),
        policy_version: 3,
        rule_id: 'tpm-default',
        rule_kind: 'tokens_per_minute',
      }
    } else {
      const prompt = 200 + Math.floor(rand() * 4000)
      const completion = 50 + Math.floor(rand() * 800)
      const usage = {
        feature: pick(FEATURES),
        model: pick(MODELS),
        prompt_tokens: prompt,
        completion_tokens: completion,
        context_tokens: prompt,
        prompt_bytes: prompt * 4 + 17,
      }
      event =
        roll < 0.5
          ? { ...base, type: 'llm_request', ...usage, outcome: rand() < 0.97 ? 'served' : 'upstream_error', latency_ms: 300 + Math.floor(rand() * 6000) }
          : {
              ...base,
              type: 'stream',
              ...usage,
              stream_id: `${tag}-s${i.toString(36)}`,
              transport: rand() < 0.8 ? 'sse' : 'websocket',
              duration_ms: 1000 + Math.floor(rand() * 20_000),
              ttft_ms: 200 + Math.floor(rand() * 900),
              end_reason: rand() < 0.93 ? 'completed' : 'client_disconnect',
            }
    }
    yield { key: install, value: Buffer.from(JSON.stringify(event)) }
  }
}

export function corpusArray(opts: CorpusOptions): CorpusRecord[] {
  return [...corpus(opts)]
}
