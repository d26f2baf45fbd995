import { PoliciesView } from '@/components/views/policies/PoliciesView'

export const dynamic = 'force-dynamic'

export default function PoliciesPage() {
  return <PoliciesView />
}
