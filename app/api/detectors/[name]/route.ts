import { loadConfig } from '@/lib/config'
import { detectionSettings } from '@/lib/detection/settings'
import { detectorNameParam, detectorRanking, rankingQuery } from '@/lib/detection/rankings'
import { chargeExpensiveRead } from '@/lib/http/expensive-reads'
import { HttpError, route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'

/**
 * GET /api/detectors/[name]?from&to&tenant&sort&dir&offset&limit → one page
 * of the DetectorRanking of prompt_bombing | emulator_farms | cost_anomalies |
 * stream_abuse, with the total and a summary of the whole ranking. Ranges are
 * bounded per detector (24 h per-install, 7 d farms); limit ≤ 200; sort from
 * the detector's whitelist (RANKING_SORTS).
 */
export const GET = route({ role: 'viewer', query: rankingQuery }, async ({ principal, params, query }) => {
  const name = detectorNameParam.safeParse(params.name)
  if (!name.success) throw new HttpError(404, `unknown detector; one of ${detectorNameParam.options.join(', ')}`)
  // Each ranking recomputes its detector over the range (issue 18, F11).
  chargeExpensiveRead(principal)
  return await detectorRanking(await appStore(), detectionSettings(loadConfig()), name.data, query, Date.now())
})
