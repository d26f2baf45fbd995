import { AlertPage } from '@/components/views/alerts/AlertPage'

/** A shareable link to one alert (webhooks and the audit log point here). */
export default async function AlertByIdPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  return <AlertPage id={decodeURIComponent(id)} />
}
