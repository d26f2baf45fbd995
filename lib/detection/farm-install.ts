/** An install as the farm detector sees it: traits, attestation record, request timing in the window. */
export interface FarmInstall {
  tenant_id: string
  install_id: string
  first_seen: number
  last_seen: number
  app_version: string
  platform: string
  device_model: string
  os_version: string
  device_fingerprint: string
  ip_prefix: string
  asn: number
  country: string
  cost_micros: number
  attest_accepted: number
  attest_rejected: number
  /** Rejections naming an emulator or a hooking framework. */
  suspicious_rejections: number
  span_minutes: number
  req_sum: number
  req_sq: number
  /** First active minute (ms) of its current burst: after its last silence of DETECT_FARM_WAKE_SILENCE_MINUTES (farm-wake.ts). */
  first_active?: number
  /** Requests since first_active. */
  burst_requests?: number
  /**
   * Its active minutes among the last 64 of the window, as bits: bit b of minutes_lo (b < 32) or of minutes_hi (b − 32)
   * is the minute starting b minutes before minutes_end (ms), the window's last minute (farm-co-wake.ts).
   */
  minutes_lo?: number
  minutes_hi?: number
  minutes_end?: number
}

/** Pooled variance/mean of per-minute requests over members with at least 3 interior minutes and 3 requests in them (farm-installs.ts). */
export function pooledDispersion(members: FarmInstall[]): { dispersion: number | null; df: number } {
  let ss = 0
  let weightedMean = 0
  let df = 0
  for (const m of members) {
    if (m.span_minutes < 3 || m.req_sum < 3) continue
    const n = m.span_minutes
    const mean = m.req_sum / n
    ss += Math.max(0, m.req_sq - (m.req_sum * m.req_sum) / n)
    weightedMean += mean * (n - 1)
    df += n - 1
  }
  return { dispersion: df > 0 && weightedMean > 0 ? ss / weightedMean : null, df }
}
