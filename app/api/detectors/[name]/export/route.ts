import { z } from 'zod'
import { loadConfig } from '@/lib/config'
import { csvDownload, fileStamp } from '@/lib/dashboard/csv-route'
import { CONCENTRATION_CSV, RANKING_CSV } from '@/lib/http/csv-tables'
import { wholeRanking } from '@/lib/http/ranking-export'
import { detectorNameParam, rankingQuery } from '@/lib/detection/rankings'
import { detectionSettings } from '@/lib/detection/settings'
import type { CsvTable } from '@/lib/dashboard/csv-route'
import { chargeExpensiveRead } from '@/lib/http/expensive-reads'
import { appStore } from '@/lib/runtime/app-runtime'
import { HttpError, route } from '@/lib/runtime/route'

/** The ranking's parameters, plus which table: the ranking, or (prompt bombing) the spend concentration per feature. */
const query = rankingQuery.extend({ table: z.enum(['ranking', 'concentration']).default('ranking') })

/**
 * GET /api/detectors/[name]/export?from&to&tenant&sort&dir[&table=concentration] → the detector's whole ranking as
 * CSV, in the order of its pages (offset and limit are ignored). The ranking is the detector's output over its
 * bounded window, computed before the first line (see wholeRanking); the lines are then written as the client reads.
 */
export const GET = route({ role: 'viewer', query }, async ({ principal, params, query }) => {
  const name = detectorNameParam.safeParse(params.name)
  if (!name.success) throw new HttpError(404, `unknown detector; one of ${detectorNameParam.options.join(', ')}`)
  if (query.table === 'concentration' && name.data !== 'prompt_bombing') throw new HttpError(400, 'only prompt_bombing has a concentration table')
  chargeExpensiveRead(principal)
  const r = await wholeRanking(await appStore(), detectionSettings(loadConfig()), name.data, query, Date.now())
  const file = [name.data.replace('_', '-'), query.table, query.tenant || 'all', fileStamp(r.from), fileStamp(r.to)]
  if (query.table === 'concentration') return csvDownload(file, CONCENTRATION_CSV, r.concentration)
  return csvDownload(file, RANKING_CSV[name.data] as CsvTable<(typeof r.rows)[number]>, r.rows)
})
