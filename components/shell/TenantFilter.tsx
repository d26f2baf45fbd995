'use client'
import { useDashboardParams } from '../hooks/useDashboardParams'
import { useTenants } from '../hooks/useTenants'

export function TenantFilter() {
  const { tenant, setParams } = useDashboardParams()
  const { data } = useTenants()
  const options = data?.tenants ?? []
  return (
    <label className="select-label">
      <span className="muted small">Tenant</span>
      <select value={tenant} onChange={(e) => setParams({ tenant: e.target.value || null }, { resetPages: true })} aria-label="Tenant filter">
        <option value="">All tenants</option>
        {tenant && !options.includes(tenant) && <option value={tenant}>{tenant}</option>}
        {options.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
    </label>
  )
}
