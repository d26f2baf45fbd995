'use client'
import Link from 'next/link'
import { useDashboardParams } from '../../hooks/useDashboardParams'
import { PageHead } from '../shared/PageHead'
import { AlertDetail } from './AlertDetail'

export function AlertPage({ id }: { id: string }) {
  const { globalQuery } = useDashboardParams()
  return (
    <>
      <PageHead
        title="Alert"
        description={id}
        actions={
          <Link href={`/alerts${globalQuery}`} className="btn small">
            ← Inbox
          </Link>
        }
      />
      <div style={{ maxWidth: 980 }}>
        <AlertDetail id={id} />
      </div>
    </>
  )
}
