import { IngestView } from '@/components/views/ingest/IngestView'

export default function IngestPage() {
  return <IngestView />
}
