import { AuditView } from '@/components/views/audit/AuditView'

export const dynamic = 'force-dynamic'

export default function AuditPage() {
  return <AuditView />
}
