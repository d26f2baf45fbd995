import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { farmClustersInWindow } from '../../lib/detection/emulator-farms'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import type { GatewayEventInput } from '../../lib/events/schema'
import { llmRequest } from '../helpers/events'
import { eventLoader } from '../helpers/load-events'
import { testStore } from '../helpers/store'

const MIN = 60_000
const DAY = 24 * 60 * MIN
const MODELS = ['SM-S921B', 'SM-A546B', 'Pixel 8', 'Pixel 7a', 'moto g84', 'Redmi Note 13', 'OnePlus 12', 'SM-A156B', 'iPhone15,2', 'iPhone16,1']
const CARRIERS = [3320, 3209, 6805, 8881, 12322, 16509]

/** A rare phone build: 5 of the 1,000 established installs run it. */
const RARE = { model: 'SM-F946B', os: '14' }

/**
 * An install of tenant acme: Android on 4.12.1 (a fifth still on 4.11.0), iOS on 4.13.0, a phone of the list (one in
 * 200 established ones the rare build), its own /24 on a carrier.
 */
function phone(id: string, k: number, o: { version?: string; model?: string; os?: string } = {}) {
  const rare = k < 1000 && k % 200 === 7
  const android = k % 3 !== 0 || rare
  return {
    install_id: id,
    platform: android ? 'android' : 'ios',
    app_version: o.version ?? (android ? (k % 5 === 0 ? '4.11.0' : '4.12.1') : '4.13.0'),
    device_model: o.model ?? (rare ? RARE.model : android ? MODELS[k % 8] : MODELS[8 + (k % 2)]),
    os_version: o.os ?? (rare ? RARE.os : android ? String(13 + (k % 2)) : '17.5'),
    // A hex hash per install (the event contract's fingerprint format).
    device_fingerprint: createHash('sha256').update(id).digest('hex').slice(0, 32),
    ip_prefix: `${60 + (k % 90)}.${(k * 7) % 250}.${k % 200}.0/24`,
    asn: CARRIERS[k % CARRIERS.length],
  }
}

/**
 * On the real engine, through ingest and the farm detector's SQL: new installs crowding onto an app build older than
 * the one the tenant's established installs run, or onto one phone build, are named; a release (new installs on a
 * newer version) and a burst of new installs in the usual mix are not.
 */
describe('farm detector: new installs on a side-loaded old build or a spoofed phone build', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let now: number
  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

  beforeAll(async () => {
    store = await testStore('farm_new_build')
    now = Math.floor(Date.now() / DAY) * DAY - DAY + 12 * 60 * MIN
    const events: GatewayEventInput[] = []
    let tenant = 'acme'
    const call = (p: ReturnType<typeof phone>, ts: number) => events.push(llmRequest({ ...p, tenant_id: tenant, ts }))
    // 1,000 established installs per tenant: first seen 3 h ago, active in the window.
    const established = () =>
      ids('est', 1000).forEach((id, k) => {
        const p = phone(id, k)
        call(p, now - 180 * MIN + k * 50)
        for (let m = 0; m < 3; m++) call(p, now - (50 - 15 * m) * MIN + k * 50)
      })
    established()
    // New installs of the last 10 minutes, two calls each.
    const fresh = (id: string, k: number, o: { version?: string; model?: string; os?: string } = {}) => {
      const p = phone(id, k, o)
      call(p, now - 10 * MIN + (k % 300) * 1_000)
      call(p, now - 2 * MIN + (k % 100) * 1_000)
    }
    // The usual mix (versions and phones as the established installs'), an Android release no established install runs
    // yet (4.13.0 is iOS's), a side-loaded old Android build, and one spoofed phone build on the tenant's carriers.
    ids('usual', 150).forEach((id, k) => fresh(id, 1000 + k))
    ids('release', 40).forEach((id, k) => fresh(id, 2000 + 3 * k + 2, { version: '4.13.0' }))
    ids('sideload', 30).forEach((id, k) => fresh(id, 3000 + 3 * k + 1, { version: '4.9.0' }))
    ids('spoof', 40).forEach((id, k) => fresh(id, 4000 + 3 * k + 1, { model: RARE.model, os: RARE.os }))
    // Tenant globex: the same established installs, and the side-loaded installs' phones and networks on the current build.
    tenant = 'globex'
    established()
    ids('sideload', 30).forEach((id, k) => fresh(id, 3000 + 3 * k + 1, { version: '4.12.1' }))
    const loaded = await eventLoader(store).load(events, now)
    expect(loaded.deadLetters).toBe(0)
  })

  afterAll(async () => {
    await store?.drop()
  })

  it('names the side-loaded old build and the spoofed build, and no install of the release or the usual burst', async () => {
    const clusters = (await farmClustersInWindow(store, S, now, { tenant: 'acme' })).filter((c) => c.cluster.severity)
    const members = clusters.flatMap((c) => c.memberIds)
    expect(new Set(members)).toEqual(new Set([...ids('sideload', 30), ...ids('spoof', 40)]))
    const traits = clusters.map((c) => c.cluster.shared_traits.filter((t) => t.trait === 'app_version' || t.trait === 'device')[0])
    expect(traits.map((t) => `${t.trait} ${t.value} ${t.members}`).sort()).toEqual(['app_version android v4.9.0 30', `device ${RARE.model} android 14 40`])
  })

  it('names nothing when the same new installs run the current build (tenant globex)', async () => {
    expect((await farmClustersInWindow(store, S, now, { tenant: 'globex' })).filter((c) => c.cluster.severity)).toEqual([])
  })
})
