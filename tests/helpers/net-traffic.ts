import type { NetEvent } from '../../lib/detection/token-reuse'

/** Request timing and network paths of one install, for the token-reuse unit tests. Seeded, so every draw replays. */
export const SEC = 1_000
export const MIN = 60_000
export type Net = { asn: number; country: string }

/** mulberry32: a seeded uniform draw in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const exponential = (rand: () => number, mean: number) => -Math.log(1 - rand()) * mean

/** Request starts of one device calling on a Poisson clock, `perMinute` a minute over `minutes`. */
export function poissonStarts(rand: () => number, perMinute: number, minutes: number): number[] {
  const out: number[] = []
  for (let t = exponential(rand, MIN / perMinute); t < minutes * MIN; t += exponential(rand, MIN / perMinute)) out.push(Math.round(t))
  return out
}

/** A person using the app: sessions of 2-6 requests 3-20 s apart, sessions on a Poisson clock, about `perMinute` a minute. */
export function sessionStarts(rand: () => number, perMinute: number, minutes: number): number[] {
  const out: number[] = []
  const perSession = 4
  for (let t = exponential(rand, (MIN / perMinute) * perSession); t < minutes * MIN; t += exponential(rand, (MIN / perMinute) * perSession)) {
    const n = 2 + Math.floor(rand() * 5)
    for (let i = 0, u = t; i < n && u < minutes * MIN; i++, u += 3 * SEC + rand() * 17 * SEC) out.push(Math.round(u))
  }
  return out.sort((a, b) => a - b)
}

/** One call of install `i` from `net` lasting `lengthMs` (a request or a stream), on a /24 of that network. */
export function call(start: number, lengthMs: number, net: Net): NetEvent {
  return { install_id: 'i', start_ms: start, end_ms: start + lengthMs, ip_prefix: `10.${net.asn % 250}.1.0/24`, ...net }
}

/** One short request (1.5 s) of install `i` from `net`. */
export const request = (start: number, net: Net): NetEvent => call(start, 1_500, net)

/**
 * One phone whose path changes at moments of its own, not tied to its
 * requests: it stays on a network for `dwellMs()` and then moves to the
 * other. Its requests are sent on the path it has at that moment.
 */
export function oneDeviceSwitching(starts: number[], nets: [Net, Net], dwellMs: () => number): NetEvent[] {
  let on = 0
  let until = dwellMs()
  return starts.map((t) => {
    while (t >= until) {
      on = 1 - on
      until += dwellMs()
    }
    return request(t, nets[on])
  })
}

/** The detector's runs: at each minute from `fromMinute` to `toMinute`, the last hour of events, 15 minutes of it recent. */
export function minutelyRuns<T>(events: NetEvent[], fromMinute: number, toMinute: number, score: (window: NetEvent[], recentFromMs: number) => T): T[] {
  const sorted = events.toSorted((a, b) => a.start_ms - b.start_ms)
  const out: T[] = []
  for (let m = fromMinute; m <= toMinute; m++) {
    const now = m * MIN
    out.push(
      score(
        sorted.filter((e) => e.start_ms >= now - 60 * MIN && e.start_ms < now),
        now - 15 * MIN,
      ),
    )
  }
  return out
}
