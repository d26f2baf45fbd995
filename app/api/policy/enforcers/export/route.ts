import { csvDownload, fileStamp } from '@/lib/dashboard/csv-route'
import { enforcersCsv } from '@/lib/http/csv-policy-tables'
import { enforcersSeen } from '@/lib/queries/enforcers'
import { controls } from '@/lib/runtime/controls'
import { route } from '@/lib/runtime/route'

export const dynamic = 'force-dynamic'

/** GET /api/policy/enforcers/export → the enforcer replicas seen in the last day as CSV, by replica, as the table. */
export const GET = route({ role: 'viewer', expensive: true }, async () => {
  const { store, service } = await controls()
  return csvDownload(['policy-enforcers', fileStamp(Date.now())], enforcersCsv(service.version), await enforcersSeen(store))
})
