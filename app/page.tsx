import { OverviewView } from '@/components/views/overview/OverviewView'

export default function OverviewPage() {
  return <OverviewView />
}
