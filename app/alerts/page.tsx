import { IncidentsView } from '@/components/views/alerts/IncidentsView'

/** The on-call inbox: incidents, each with its member alerts (?incident=<id> selects one; webhooks link here). */
export default function AlertsPage() {
  return <IncidentsView />
}
