import type { Store } from '../clickhouse/client'
import type { AbuseTax } from '../dashboard/types'
import { rangeSqlParams, rangeWhere, type ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'

/**
 * The "abuse tax": spend in the window that came from installs whose
 * attestations mostly failed (rejected ≥ accepted, over the install's whole
 * life, so a farm that later got caught counts for its early spend too) or
 * that the gateway denied with a revocation at any time. A healthy phone's
 * occasional expired token does not make it abusive.
 * Spend comes from install_minute; verdicts from install_profile; revocations
 * are rare policy_denial events read from the raw table by type.
 */
export async function abuseTax(store: Store, range: ResolvedRange): Promise<AbuseTax> {
  const [r] = await selectRows<{ total: number; failed: number; revoked: number; abuse: number; failed_installs: number; revoked_installs: number }>(store, `
    WITH
      failed_ids AS (
        SELECT install_id FROM ${table(store, 'install_profile')}
        WHERE ({tenant:String} = '' OR tenant_id = {tenant:String})
        GROUP BY tenant_id, install_id
        HAVING sum(attest_rejected) > 0 AND sum(attest_rejected) >= sum(attest_accepted)
      ),
      revoked_ids AS (
        SELECT DISTINCT install_id FROM ${table(store, 'events')}
        WHERE type = 'policy_denial' AND rule_kind = 'revoked'
          AND ({tenant:String} = '' OR tenant_id = {tenant:String})
      ),
      spend AS (
        SELECT install_id, sum(cost_micros) AS cost FROM ${table(store, 'install_minute')}
        WHERE ${rangeWhere('minute')}
        GROUP BY install_id
      )
    SELECT sum(cost) AS total,
      sumIf(cost, install_id IN failed_ids) AS failed,
      sumIf(cost, install_id IN revoked_ids) AS revoked,
      sumIf(cost, install_id IN failed_ids OR install_id IN revoked_ids) AS abuse,
      countIf(install_id IN failed_ids AND cost > 0) AS failed_installs,
      countIf(install_id IN revoked_ids AND cost > 0) AS revoked_installs
    FROM spend`, rangeSqlParams(range))
  return {
    from: range.fromMs, to: range.toMs, stepS: range.stepS,
    totalMicros: r.total, attestationFailedMicros: r.failed, revokedMicros: r.revoked, abuseMicros: r.abuse,
    share: r.total > 0 ? r.abuse / r.total : 0,
    failedInstalls: r.failed_installs, revokedInstalls: r.revoked_installs,
  }
}
