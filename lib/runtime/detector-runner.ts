import type { Store } from '../clickhouse/client'
import type { Config } from '../config'
import { applyDetectionRun } from '../alerts/engine'
import { alertPolicy } from '../alerts/policy'
import { sharedNotifier, stopSharedNotifier } from '../alerts/notify'
import { runDetectors } from '../detection/detect-all'
import { detectionSettings } from '../detection/settings'

type Log = (line: string) => void

/**
 * Runs every detector each DETECT_INTERVAL_MS and applies the findings to the
 * alerts and incidents (lib/alerts/engine.ts), notifying once per changed incident. Runs never overlap: the next one is scheduled when the previous
 * finishes. This loop is the one place that reads the clock; detectors get `now`.
 */
export function startDetection(store: Store, config: Config, log: Log = console.log): { stop(): Promise<void> } {
  const settings = detectionSettings(config)
  const policy = alertPolicy(config)
  // Shared with the incident routes of this process, so a user's acknowledge goes through the same queues.
  const notifier = sharedNotifier(store, config, log)
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> | null = null
  let stopped = false
  let failures = 0

  const tick = async () => {
    const now = Date.now()
    try {
      const run = await runDetectors(store, settings, now)
      for (const f of run.failed) log(`[detect] ${f.detector} failed: ${f.error}`)
      for (const w of run.warnings ?? []) log(`[detect] ${w}`)
      const result = await applyDetectionRun(store, run, policy, notifier)
      const opened = result.transitions.filter((t) => t.action === 'create' || t.action === 'reopen').length
      const incidents = result.incidents.transitions.filter((t) => t.action === 'create').length
      if (opened || failures)
        log(`[detect] run at ${new Date(now).toISOString()}: ${run.findings.length} findings, ${opened} alert(s) opened, ${incidents} new incident(s)`)
      failures = 0
    } catch (err) {
      failures += 1
      // Logged once per streak, not every interval, while the store is down.
      if (failures === 1) log(`[detect] run failed: ${err instanceof Error ? err.message : err}`)
    }
  }

  const loop = () => {
    if (stopped) return
    running = tick().finally(() => {
      running = null
      if (!stopped) timer = setTimeout(loop, config.DETECT_INTERVAL_MS)
    })
  }
  // First run after one interval so startup (migrations, backfill) settles first.
  timer = setTimeout(loop, Math.min(config.DETECT_INTERVAL_MS, 10_000))
  log(`[detect] detectors every ${config.DETECT_INTERVAL_MS} ms; ${notifier.describe()}`)

  return {
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await running
      await stopSharedNotifier()
    },
  }
}
