'use client'
import Link from 'next/link'
import { useDashboardParams } from '../../hooks/useDashboardParams'

/** Link to an install's drill-down, keeping the global range and tenant. */
export function InstallLink({ id }: { id: string }) {
  const { globalQuery } = useDashboardParams()
  return (
    <Link href={`/installs/${encodeURIComponent(id)}${globalQuery}`} className="mono">
      {id}
    </Link>
  )
}
