import { CONTROL_NAMES, isActive, ruleKey, type ControlName, type Controls, type Rule } from './types'

export interface RequestContext {
  tenantId: string
  feature: string
  installId: string
  /** The install's latest attestation was rejected (emulator, rooted, hooking…). */
  risky?: boolean
}

export interface Effective {
  controls: Controls
  /** Rule key and version that supplied each control, for denial events and the UI. */
  source: Partial<Record<ControlName, { key: string; version: number }>>
}

/** Most specific first. */
export function candidateKeys(ctx: RequestContext): string[] {
  return [ruleKey('install', ctx.installId), ruleKey('feature', `${ctx.tenantId}/${ctx.feature}`), ruleKey('tenant', ctx.tenantId), ruleKey('global', '*')]
}

/**
 * Precedence: each control is taken from the most specific active rule that
 * sets it (install > feature > tenant > global). So a global 50k tokens/min
 * with a tenant 10k gives that tenant's installs 10k, and an install rule of
 * 100k lifts one trusted install above both. Expired rules are skipped. A
 * risky-only degrade is skipped for installs whose attestation is clean.
 */
export function resolveControls(rules: ReadonlyMap<string, Rule>, ctx: RequestContext, nowMs: number): Effective {
  const controls: Controls = {}
  const source: Effective['source'] = {}
  for (const key of candidateKeys(ctx)) {
    const rule = rules.get(key)
    if (!rule || !isActive(rule, nowMs)) continue
    for (const name of CONTROL_NAMES) {
      const value = rule.controls[name]
      if (value === undefined || controls[name] !== undefined) continue
      if (name === 'degrade' && rule.controls.degrade?.riskyOnly && !ctx.risky) continue
      ;(controls as Record<string, unknown>)[name] = value
      source[name] = { key, version: rule.version }
    }
  }
  return { controls, source }
}
