import { SettingsView } from '@/components/views/settings/SettingsView'

export const dynamic = 'force-dynamic'

export default function SettingsPage() {
  return <SettingsView />
}
