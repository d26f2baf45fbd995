import { FarmsView } from '@/components/views/farms/FarmsView'

export default function FarmsPage() {
  return <FarmsView />
}
