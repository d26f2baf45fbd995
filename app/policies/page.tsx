import { PoliciesView } from './PoliciesView'

export const dynamic = 'force-dynamic'

export default function PoliciesPage() {
  return <PoliciesView />
}
