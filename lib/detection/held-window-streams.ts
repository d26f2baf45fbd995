import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { num, toSec } from './query'
import { heldWindowStreamsSql } from './sql/held-window-streams'

/**
 * Long streams held at once, summed over the window rather than judged at
 * one moment (open-stream-concurrency.ts judges the streams open now).
 *
 * An install that keeps three long answers running for a quarter of an hour
 * shows, at any one moment, only three streams of a few minutes each: z 4–6
 * under the one-phone null, never over the alert line (held-out red team,
 * "half of it": 3 streams of 4–10 min, z 5.7 at best). Yet every time one of
 * them closes the script opens another beside the two still running, and a
 * phone does that by chance each time with q·S(its length) again. The
 * evidence is in the whole window, not in one moment.
 *
 * Statistic: the install's streams reported over the window (each ran 30 s or
 * more), as [start, last report] intervals, n of them. One phone shows its own
 * long answers one after another; the most of them it could have run so is
 * the largest set of pairwise disjoint intervals (earliest end first, which is
 * optimal), k of them. The other m = n − k streams each opened while another
 * ran: extras. Under the null every long answer, the phone's own ones too,
 * lasts to its length with chance S(length), and each extra is a chat switch
 * during a long answer (chance q):
 *
 *   ln p = ln C(n, m) + m·ln q + Σ over all n streams of ln S(length)
 *
 * C(n, m) (which of them are the extras) keeps it the most ordinary reading.
 * Unlike the moment test, the phone's own streams pay for their length: three
 * answers of 4–10 minutes at once in a tenant whose answers last seconds is
 * "long AND many" as one likelihood, which the moment test, leaving the
 * longest stream free, read as z 5.7 at best. q and S are the moment test's
 * (the prior, or the tenant's own where higher): an app that runs answers side
 * by side, or for minutes, by design lifts them in its tenant, and so does a
 * provider whose streams all hang. With fewer than MIN_EXTRAS extras the window
 * says nothing: one stream at a time, however long, is the zombie and duration
 * lenses' subject, and one chat switch during a long answer is one event,
 * however long both answers ran (the moment test judges it, leaving the
 * longest free).
 */
export const MIN_EXTRAS = 2
export interface HeldInterval {
  start_ms: number
  last_ms: number
}

export interface WindowHeld {
  /** Reported streams in the window. */
  streams: number
  /** Of them, opened while another ran (n − the most one phone could run one after another). */
  extras: number
  lnP: number
}

/** ln C(n, m), exact for the small counts of one install's streams. */
function lnChoose(n: number, m: number): number {
  let s = 0
  for (let i = 1; i <= m; i++) s += Math.log((n - m + i) / i)
  return s
}

/** The window's evidence of one install's streams under the one-phone null; pure. */
export function windowHeldLogP(streams: readonly HeldInterval[], pairRate: number, survival: (ms: number) => number): WindowHeld {
  const n = streams.length
  let own = 0
  let freeAt = -Infinity
  for (const s of [...streams].sort((a, b) => a.last_ms - b.last_ms)) {
    if (s.start_ms <= freeAt) continue
    own++
    freeAt = s.last_ms
  }
  const extras = n - own
  if (extras < MIN_EXTRAS) return { streams: n, extras, lnP: 0 }
  let lnP = lnChoose(n, extras) + extras * Math.log(pairRate)
  for (const s of streams) lnP += Math.log(survival(s.last_ms - s.start_ms))
  return { streams: n, extras, lnP: Math.min(0, lnP) }
}

/** Per tenant\0install of `installs`, its streams reported in [fromMs, now]. */
export async function heldWindowStreams(
  store: Store,
  installs: readonly { tenant_id: string; install_id: string }[],
  fromMs: number,
  now: number,
): Promise<Map<string, HeldInterval[]>> {
  const out = new Map<string, HeldInterval[]>()
  for (const tenant of new Set(installs.map((i) => i.tenant_id))) {
    const ids = [...new Set(installs.filter((i) => i.tenant_id === tenant).map((i) => i.install_id))]
    const rows = await selectRows<Record<string, unknown>>(store, heldWindowStreamsSql(store.database), {
      tenant,
      installs: ids,
      from: toSec(fromMs),
      to: toSec(now) + 1,
    })
    for (const r of rows) {
      const key = `${tenant}\u0000${String(r.install_id)}`
      const list = out.get(key) ?? []
      list.push({ start_ms: num(r.start_ms), last_ms: num(r.last_ms) })
      out.set(key, list)
    }
  }
  return out
}
