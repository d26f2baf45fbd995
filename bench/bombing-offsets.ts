import { DEFAULT_DETECTION_SETTINGS } from '../lib/detection/settings'
import { scorePromptBombingCandidates } from '../lib/detection/prompt-bombing'
import type { PromptBombingRow } from '../lib/detection/types'
import { runAt } from './detection-latency'
import { namesAttack } from '../harness/eval/names-attack'

/**
 * The detection bench's prompt-bombing case, replayed at chosen start times.
 * The bench starts at the wall clock, and the simulator's diurnal curve (so
 * its whole random stream) differs with the hour: a bomber's first alert came
 * at 60 s in some runs and 270 s in others. Per start: the bench's history and
 * attacks (runAt: 1,000 ev/s, 4,000 installs, seed 31), only the
 * prompt-bombing detector, detection over the first BOMBING_OFFSETS_LIVE_MIN
 * (default 7) live minutes; per bomber its first alert and, every run until
 * then, its window row (requests, context and output z, score, reasons).
 *
 *   npx tsx bench/bombing-offsets.ts                       # the default starts
 *   BOMBING_OFFSETS_STARTS=19:57,09:37 npx tsx bench/bombing-offsets.ts
 *
 * A start is HH:MM UTC of the bench's history start, the wall clock minus
 * 83 minutes (the bench run at 21:20 on 2026-12-05 started its history at 19:57).
 * Each start builds its own copied history (a few minutes each).
 */
const MIN = 60_000
const RATE = 1_000
const starts = (process.env.BOMBING_OFFSETS_STARTS ?? '19:57,21:21,09:37,00:37').split(',')
const liveMin = Number(process.env.BOMBING_OFFSETS_LIVE_MIN ?? 7)

function startOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  const day = new Date()
  day.setUTCHours(h, m, 0, 0)
  // In the past, with room for the history and live minutes the store copies.
  while (day.getTime() > Date.now() - 90 * MIN) day.setUTCDate(day.getUTCDate() - 1)
  return day.getTime()
}

const brief = (r: PromptBombingRow) => {
  const m = r.metrics
  const z = (x: { z: number }) => x.z.toFixed(1)
  return `score ${r.score.toFixed(0)}, ${r.requests} req in ${r.active_minutes} min, ctx ${Math.round(m.context_tokens.value)} (median ${Math.round(m.context_tokens.band.median)}) z ${z(m.context_tokens)}, out z ${z(m.output_tokens)}, tpm z ${z(m.tokens_per_minute)}, conc ${m.concurrent_streams.value} z ${z(m.concurrent_streams)}; ${r.reasons.join('; ').slice(0, 400)}`
}

async function main() {
  const lines: string[] = []
  for (const hhmm of starts) {
    const startAt = startOf(hhmm)
    // Every tick's rows with large requests, keyed by install: the bombers are known from the labels after the run.
    const rowsAt: { now: number; rows: Map<string, string>; findings: Map<string, string[]> }[] = []
    const run = await runAt(RATE, RATE * 4, 31, {
      startAt,
      only: ['prompt_bombing'],
      detectUntilMs: liveMin * MIN,
      onRun: async (now, r, store) => {
        const scored = await scorePromptBombingCandidates(store, DEFAULT_DETECTION_SETTINGS, now)
        const rows = new Map(scored.rows.filter((x) => x.metrics.context_tokens.z >= 3).map((x) => [x.install_id, brief(x)]))
        const findings = new Map<string, string[]>()
        for (const f of r.findings) {
          const names = f.subject_kind === 'install' ? [f.subject] : ((f.evidence as { members?: string[] }).members ?? [])
          for (const n of names) findings.set(n, [...(findings.get(n) ?? []), `${f.subject_kind} ${f.subject} ${f.score.toFixed(0)}`])
        }
        rowsAt.push({ now, rows, findings })
      },
    })
    const mark = lines.length
    const bombers = run.labels.filter((l) => l.scenario === 'prompt_bomber' && l.kind === 'install')
    lines.push(`history start ${hhmm} UTC (${new Date(startAt).toISOString()}), live start ${new Date(run.liveStart).toISOString()}`)
    for (const b of bombers) {
      let first = Infinity
      for (const a of run.alarms) if (a.detector === 'prompt_bombing') first = Math.min(first, a.members.get(b.subject) ?? Infinity)
      lines.push(`  bomber ${b.subject}: first alert ${Number.isFinite(first) ? `${(first - b.start_ms) / 1000} s` : 'none'} after its start`)
      for (const t of rowsAt) {
        if (t.now < b.start_ms || (Number.isFinite(first) && t.now > first)) continue
        lines.push(
          `    +${(t.now - b.start_ms) / 1000} s: ${t.findings.get(b.subject)?.join(', ') ?? 'no finding'} | ${t.rows.get(b.subject) ?? 'no window row with context z ≥ 3'}`,
        )
      }
    }
    // Bombing alerts naming no attacker of the run (as the bench counts them), with their reasons.
    const attackers = new Map(run.labels.filter((l) => l.kind === 'install').map((l) => [l.subject, l]))
    const falseAlarms = run.alarms.filter((al) => !attackers.has(al.subject) && !namesAttack(al, attackers, []))
    lines.push(`  bombing alerts naming no attacker: ${falseAlarms.length} of ${run.alarms.length}`)
    for (const f of falseAlarms)
      lines.push(
        `    ${f.subject} opened at +${f.openedAt.map((t) => ((t - run.liveStart) / 1000).toFixed(0)).join(', ')} s: ${((f.evidence as { reasons?: string[] }).reasons ?? []).join('; ').slice(0, 400)}`,
      )
    console.log(lines.slice(mark).join('\n'))
  }
  console.log('\n==== summary\n' + lines.join('\n'))
}

void main()
