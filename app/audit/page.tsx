import { AuditView } from './AuditView'

export const dynamic = 'force-dynamic'

export default function AuditPage() {
  return <AuditView />
}
