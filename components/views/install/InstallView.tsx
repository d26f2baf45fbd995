'use client'
import { useInstallProfile } from '../../hooks/useInstall'
import { ErrorState, LoadingState } from '../../ui/Panel'
import { AlertMiniList } from '../alerts/AlertMiniList'
import { PageHead } from '../shared/PageHead'
import { InstallEventsTable } from './InstallEventsTable'
import { InstallPolicyPanel } from './InstallPolicyPanel'
import { InstallProfilePanel } from './InstallProfilePanel'
import { InstallTimelineCharts } from './InstallTimelineCharts'

export function InstallView({ id }: { id: string }) {
  const profile = useInstallProfile(id)
  return (
    <>
      <PageHead
        title={`Install ${id}`}
        description={
          profile.data ? `${profile.data.tenant_id} · ${profile.data.platform} ${profile.data.device_model} · ${profile.data.country}` : 'Install drill-down'
        }
      />
      {profile.error && !profile.data && <ErrorState error={profile.error} />}
      <InstallTimelineCharts id={id} />
      <div className="grid three">
        {profile.data ? <InstallProfilePanel p={profile.data} /> : profile.isPending ? <LoadingState height={260} /> : <div />}
        <AlertMiniList subject={id} title="Alerts on this install" />
        {profile.data ? <InstallPolicyPanel id={id} tenant={profile.data.tenant_id} /> : <div />}
      </div>
      <InstallEventsTable id={id} />
    </>
  )
}
