'use client'
import { AlertMiniList } from '../alerts/AlertMiniList'
import { PageHead } from '../shared/PageHead'
import { AttestationChart, SpendChart, TrafficCharts } from './OverviewCharts'
import { OverviewTiles } from './OverviewTiles'
import { TopSpenders } from './TopSpenders'

export function OverviewView() {
  return (
    <>
      <PageHead title="Live overview" description="Spend, traffic and attestation health across every app, refreshed live." />
      <OverviewTiles />
      <div className="grid two">
        <div className="span-2">
          <SpendChart />
        </div>
        <TrafficCharts />
        <AttestationChart />
      </div>
      <div className="grid" style={{ gridTemplateColumns: 'minmax(0, 2fr) minmax(0, 1fr)' }}>
        <TopSpenders />
        <AlertMiniList />
      </div>
    </>
  )
}
