import type { Store } from '../clickhouse/client'
import type { InstallTraits } from '../install-types'
import { num, selectColumns, toSec, type Columns } from './query'
import type { DetectionSettings } from './settings'
import { farmProfilesSql } from './sql/farm-installs'

type ProfileColumns = Columns<Record<string, unknown>>

/**
 * The install profiles of the farm window (install_profile of every install
 * active in the last farmWindowMinutes, farmProfilesSql), read at most once
 * per detection run and shared by the detectors of that run: the farm
 * detector groups them, and prompt bombing reads the traits of its
 * candidates, installs active in its 30-minute window and so in the farm's
 * 60-minute one, from the same rows instead of reading install_profile again
 * (≈ 10,000 installs in chunks of 2,000 a run at 5,000 ev/s). An install not
 * among them (a window longer than the farm's) is read as before.
 */
export class RunProfiles {
  readonly params: { from: number; to: number; tenant: string }
  private cols: Promise<ProfileColumns> | undefined
  private index: Map<string, number> | undefined

  constructor(
    private readonly store: Store,
    s: Pick<DetectionSettings, 'farmWindowMinutes'>,
    now: number,
  ) {
    this.params = { from: toSec(now - s.farmWindowMinutes * 60_000), to: toSec(now) + 1, tenant: '' }
  }

  /** The rows of farmProfilesSql for `params`, read on the first call (a failed read is not kept: the next call reads again). */
  read(): Promise<ProfileColumns> {
    this.cols ??= selectColumns<Record<string, unknown>>(this.store, farmProfilesSql(this.store.database), this.params).catch((err: unknown) => {
      this.cols = undefined
      throw err
    })
    return this.cols
  }

  /** Traits of the installs found among the profiles (tenant\0install → traits, into `out`); the keys not found. */
  async traits(keys: Iterable<string>, out: Map<string, InstallTraits>): Promise<string[]> {
    const { rows, cols: c } = await this.read()
    if (!this.index) {
      this.index = new Map()
      for (let j = 0; j < rows; j++) this.index.set(`${c.tenant_id[j]}\u0000${c.install_id[j]}`, j)
    }
    const missing: string[] = []
    for (const key of keys) {
      const j = this.index.get(key)
      if (j === undefined) {
        missing.push(key)
        continue
      }
      out.set(key, traitsAt(c, j))
    }
    return missing
  }
}

/** Row j of columns holding install traits (install_profile's) as InstallTraits. */
export function traitsAt(c: Record<string, unknown[]>, j: number): InstallTraits {
  return {
    install_id: String(c.install_id[j]),
    app_version: String(c.app_version[j]),
    device_model: String(c.device_model[j]),
    os_version: String(c.os_version[j]),
    device_fingerprint: String(c.device_fingerprint[j]),
    ip_prefix: String(c.ip_prefix[j]),
    asn: num(c.asn[j]),
  }
}
