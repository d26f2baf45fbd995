import type { GatewayEventInput } from '../events/schema'
import { GateRef, type StreamGate } from './gate'
import { SCENARIO_NAMES, type GroundTruthLabel, type ScenarioName } from './labels'
import { buildPopulation, type Population } from './population'
import { Rng, mixSeed } from './random'
import { createScenario, type Scenario, type ScenarioSettings } from './scenarios'
import { EventSink, NormalTraffic } from './traffic'

export { SCENARIO_NAMES, parseScenarioList, writeLabels, type GroundTruthLabel, type ScenarioName } from './labels'
export { SCENARIO_DEFAULTS, type ScenarioSettings } from './scenarios'

export interface SimulatorOptions {
  seed: number
  installs: number
  /** Daily mean of legitimate events/s (attestations included); scenarios add their own traffic on top. */
  ratePerSec: number
  scenarios: ScenarioName[]
  /** Scenario offsets are relative to this; it is also part of every event id. */
  startMs: number
  tenants?: number
  /** Diurnal swing around the mean, 0..1 (default 0.4: trough 0.6x, peak 1.4x at 15:00 local). */
  diurnalAmplitude?: number
  /** Per-scenario start offset, duration, intensity and shape. */
  scenarioSettings?: Partial<Record<ScenarioName, ScenarioSettings>>
}

/** Randomness is drawn per 1 s tick, so output does not depend on how a span is cut into windows. */
export const TICK_MS = 1_000

type Ev = GatewayEventInput & { ts: number }

export class GatewaySimulator {
  readonly population: Population
  private readonly traffic: NormalTraffic
  private readonly scenarios: Scenario[]
  private readonly sink: EventSink
  private readonly seed: number
  private readonly startMs: number
  /** End of the last generated tick. */
  private cursor: number | undefined
  private emittedTo = -Infinity
  /** Events of the last tick that fall after the last window's end. */
  private pending: Ev[] = []
  private readonly gate = new GateRef()

  constructor(opts: SimulatorOptions) {
    if (!Number.isFinite(opts.seed)) throw new Error('seed must be a finite number')
    if (!Number.isFinite(opts.startMs) || opts.startMs < 0) throw new Error('startMs must be epoch milliseconds')
    if (!(opts.installs >= 1)) throw new Error('installs must be at least 1')
    if (!(opts.ratePerSec >= 0)) throw new Error('ratePerSec must be >= 0')
    this.seed = Math.trunc(opts.seed)
    this.startMs = Math.floor(opts.startMs)
    this.population = buildPopulation(this.seed, Math.floor(opts.installs), opts.tenants ?? 4, this.startMs)
    this.traffic = new NormalTraffic(this.population, opts.ratePerSec, Math.min(1, Math.max(0, opts.diurnalAmplitude ?? 0.4)))
    this.sink = new EventSink(`${this.seed.toString(36)}-${this.startMs.toString(36)}-`)
    const taken = new Set<string>()
    // Built in a fixed order so the same set of names gives the same scenarios whatever order it was listed in.
    this.scenarios = SCENARIO_NAMES.filter((n) => opts.scenarios.includes(n)).map((name) =>
      createScenario(name, {
        seed: this.seed,
        startMs: this.startMs,
        pop: this.population,
        taken,
        settings: opts.scenarioSettings?.[name] ?? {},
        gate: this.gate,
      }),
    )
    for (const s of this.scenarios) if (s.hook) this.traffic.hooks.push(s.hook)
  }

  /**
   * Events for [fromMs, toMs), time-ordered, deterministic for the same seed
   * and window sequence. Windows are meant to be consecutive: a window that
   * overlaps the previous one is clipped (no event is returned twice), and a
   * gap is skipped (its events are never produced).
   */
  generate(fromMs: number, toMs: number): GatewayEventInput[] {
    const from = Math.max(fromMs, this.emittedTo)
    if (!(toMs > from)) return []
    const out: GatewayEventInput[] = []
    const carried = this.pending
    this.pending = []
    for (const e of carried) {
      if (e.ts < from) continue
      if (e.ts < toMs) out.push(e)
      else this.pending.push(e)
    }
    if (this.cursor === undefined || from >= this.cursor) {
      this.cursor = this.startMs + Math.floor((from - this.startMs) / TICK_MS) * TICK_MS
      this.pending = []
    }
    while (this.cursor < toMs) {
      const events = this.tick(this.cursor)
      for (const e of events) {
        if (e.ts < from) continue
        if (e.ts < toMs) out.push(e)
        else this.pending.push(e)
      }
      this.cursor += TICK_MS
    }
    this.emittedTo = toMs
    return out
  }

  /** Puts a gateway in front of the scenarios' streams from now on (see StreamGate). */
  attachGate(gate: StreamGate): void {
    this.gate.current = gate
  }

  /**
   * Ground truth for scenarios that have begun within the generated time
   * (a farm member is listed once it has been created). `all` also lists
   * what is still scheduled.
   */
  labels(all = false): GroundTruthLabel[] {
    const until = all ? Infinity : this.emittedTo
    return this.scenarios.flatMap((s) => s.labels.filter((l) => l.start_ms < until))
  }

  /** Expected legitimate events/s at an instant, for checking the diurnal curve. */
  rateAt(ms: number): number {
    return this.traffic.rateAt(ms)
  }

  /** Scheduled scenario windows. */
  schedule(): { name: ScenarioName; startMs: number; endMs: number }[] {
    return this.scenarios.map((s) => ({ name: s.name, startMs: s.startMs, endMs: s.endMs }))
  }

  private tick(t0: number): Ev[] {
    const t1 = t0 + TICK_MS
    const index = Math.floor((t0 - this.startMs) / TICK_MS)
    const sink = this.sink
    sink.out = []
    // One stream per source and tick, so changing one scenario does not shift the draws of the others.
    this.traffic.tick(sink, new Rng(mixSeed(this.seed, index, 0)), t0, t1)
    for (const s of this.scenarios) s.tick(sink, new Rng(mixSeed(this.seed, index, 1 + SCENARIO_NAMES.indexOf(s.name))), t0, t1)
    return sortByTs(sink.out as Ev[], t0)
  }
}

const counts = new Int32Array(TICK_MS + 1)

/**
 * Counting sort on the ms within the tick: O(n) and stable, so an attestation
 * stays ahead of the call it was made for at the same ms.
 */
function sortByTs(events: Ev[], t0: number): Ev[] {
  counts.fill(0)
  for (const e of events) counts[e.ts - t0 + 1]++
  for (let i = 1; i <= TICK_MS; i++) counts[i] += counts[i - 1]
  const sorted: Ev[] = new Array(events.length)
  for (const e of events) sorted[counts[e.ts - t0]++] = e
  return sorted
}
