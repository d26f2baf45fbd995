'use client'
import { usePathname } from 'next/navigation'
import type { ReactNode } from 'react'
import { LiveToggle } from './LiveToggle'
import { Nav } from './Nav'
import { TenantFilter } from './TenantFilter'
import { ThemeToggle } from './ThemeToggle'
import { TimeRangePicker } from './TimeRangePicker'

/** Pages that render bare, without navigation or global filters. */
const BARE = ['/signin']

export function Shell({ children }: { children: ReactNode }) {
  const pathname = usePathname()
  if (BARE.some((p) => pathname.startsWith(p))) return <>{children}</>
  return (
    <div className="app">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Nav />
      <div className="app-main">
        <header className="topbar">
          <TimeRangePicker />
          <div className="topbar-right">
            <TenantFilter />
            <LiveToggle />
            <ThemeToggle />
          </div>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  )
}
