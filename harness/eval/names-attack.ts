import type { GroundTruthLabel } from '../../lib/simulator'
import type { AlarmRecord } from './replay'

/** A cost alert's subject (tenant/feature/…, or a prefixed form) cut to tenant/feature. */
export const featureOf = (subject: string) =>
  subject
    .replace(/^[a-z_]+:/, '')
    .split('/')
    .slice(0, 2)
    .join('/')

/**
 * A cost alert is true when it is on an attacked feature: a cost label's, the
 * feature a bomber or token thief spends on, or (farms name no feature) any
 * feature of the farm's tenant. The spend there did change; the alert joins
 * the attack's incident (one incident per attack is the alert layer's job).
 */
export function namesAttack(a: AlarmRecord, installs: Map<string, GroundTruthLabel>, features: GroundTruthLabel[]): boolean {
  if (a.detector === 'cost_anomalies') {
    const f = featureOf(a.subject)
    if (features.some((l) => featureOf(l.subject) === f)) return true
    return [...installs.values()].some(
      (l) =>
        l.scenario !== 'benign' &&
        (l.scenario === 'emulator_farm' ? f.startsWith(`${l.tenant_id}/`) : l.detail?.feature !== undefined && f === `${l.tenant_id}/${l.detail.feature}`),
    )
  }
  return [...a.members.keys()].some((m) => installs.get(m)?.scenario !== undefined && installs.get(m)?.scenario !== 'benign')
}
