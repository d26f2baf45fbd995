import { describe, expect, it } from 'vitest'
import { busyNewGroups, BUSY_MIN_SPAN_MINUTES } from '@/lib/detection/farm-busy-new'
import { scoreGroups } from '@/lib/detection/farm-clusters'
import type { FarmInstall } from '@/lib/detection/farm-install'
import { DEFAULT_DETECTION_SETTINGS as S } from '@/lib/detection/settings'
import { CARRIERS, newnessTenant } from '../helpers/farm-install'

const MIN = 60_000
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0)
const WINDOW_START = NOW - 60 * MIN
const SPAN = 12

/** Calls per minute over SPAN interior minutes: installs of the tenant spread from 0.2 to 2.45, one in ten at the top. */
const ordinaryRate = (i: number) => 0.2 + (i % 10) * 0.25
const withRate = (i: FarmInstall, rate: number): FarmInstall => ({ ...i, span_minutes: SPAN, req_sum: rate * SPAN, req_sq: rate * rate * SPAN + rate * SPAN })

function tenant() {
  const { install, established, churn } = newnessTenant(WINDOW_START, NOW)
  return {
    install,
    base: [...established, ...churn].map((i, k) => withRate(i, ordinaryRate(k))),
  }
}

/** `n` new installs on carrier AS7018 (one of the tenant's own), each its own phone and /24 unless `prefix`, at `rate`. */
function newOnCarrier(install: ReturnType<typeof tenant>['install'], n: number, rate: number, prefix?: string): FarmInstall[] {
  return Array.from({ length: n }, (_, k) =>
    withRate(install(20_000 + k, { fresh: true, asn: 7018, ...(prefix ? { ip_prefix: prefix } : {}) }), rate + (k % 3) * 0.3),
  )
}

describe('farms: busy new installs on one network (farm-busy-new.ts)', () => {
  it('groups 30 new installs calling nonstop on a carrier the tenant uses, and the farm detector alerts with the burst', () => {
    const { install, base } = tenant()
    const farm = newOnCarrier(install, 30, 2.6)
    const groups = busyNewGroups([...base, ...farm], WINDOW_START, 8)
    const g = groups.find((x) => x.value === 'AS7018')!
    expect(g.signal).toBe('busy_new')
    expect(g.members.map((m) => m.install_id).sort()).toEqual(farm.map((m) => m.install_id).sort())
    expect(g.z).toBeGreaterThan(S.zAlert / 2)
    const scored = scoreGroups([...base, ...farm], WINDOW_START, 8, S.zAlert).find((x) => x.signals.busy_new > 0)!
    expect(scored.z).toBeGreaterThanOrEqual(S.zAlert)
  })

  it('leaves new installs at a person’s rate, however many arrive on one carrier (a marketing push)', () => {
    const { install, base } = tenant()
    const push = Array.from({ length: 200 }, (_, k) => withRate(install(30_000 + k, { fresh: true, asn: 7018 }), ordinaryRate(k)))
    expect(busyNewGroups([...base, ...push], WINDOW_START, 8).filter((g) => g.z >= S.zAlert / 2)).toEqual([])
  })

  it('leaves a launch whose new users are all busy on every carrier: no network stands out', () => {
    const { install, base } = tenant()
    const launch = Array.from({ length: 240 }, (_, k) =>
      withRate(install(40_000 + k, { fresh: true, asn: CARRIERS[k % CARRIERS.length] }), k % 2 ? 2.8 : ordinaryRate(k)),
    )
    expect(busyNewGroups([...base, ...launch], WINDOW_START, 8).filter((g) => g.z >= S.zAlert / 2)).toEqual([])
  })

  it('leaves one egress (a QA lab on one /24) to the /24 trait, and installs seen too briefly', () => {
    const { install, base } = tenant()
    const lab = newOnCarrier(install, 30, 2.6, '10.1.2.0/24')
    expect(busyNewGroups([...base, ...lab], WINDOW_START, 8)).toEqual([])
    const brief = newOnCarrier(install, 30, 2.6).map((i) => ({ ...i, span_minutes: BUSY_MIN_SPAN_MINUTES - 1 }))
    expect(busyNewGroups([...base, ...brief], WINDOW_START, 8)).toEqual([])
  })
})
