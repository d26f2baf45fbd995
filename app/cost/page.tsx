import { CostView } from '@/components/views/cost/CostView'

export default function CostPage() {
  return <CostView />
}
