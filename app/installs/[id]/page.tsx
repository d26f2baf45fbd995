import { InstallView } from '@/components/views/install/InstallView'

export default async function InstallPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  return <InstallView id={decodeURIComponent(id)} />
}
