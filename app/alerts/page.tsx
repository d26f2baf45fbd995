import { AlertsView } from '@/components/views/alerts/AlertsView'

export default function AlertsPage() {
  return <AlertsView />
}
