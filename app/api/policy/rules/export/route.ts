import { csvDownload, fileStamp } from '@/lib/dashboard/csv-route'
import { policyRulesCsv } from '@/lib/http/csv-policy-tables'
import { controls } from '@/lib/runtime/controls'
import { route } from '@/lib/runtime/route'

export const dynamic = 'force-dynamic'

/** GET /api/policy/rules/export → the current rules (active and expired-but-not-cleared) as CSV, newest change first, as the table. */
export const GET = route({ role: 'viewer', expensive: true }, async () => {
  const { service } = await controls()
  const now = Date.now()
  const rules = [...service.current().rules].sort((a, b) => b.updatedAt - a.updatedAt)
  return csvDownload(['policy-rules', `v${service.version}`, fileStamp(now)], policyRulesCsv(now), rules)
})
