'use client'
import Link from 'next/link'
import { usePathname } from 'next/navigation'
import type { Role } from '@/lib/auth/roles'
import { useDashboardParams } from '../hooks/useDashboardParams'
import { useMe } from '../hooks/useMe'
import { SignOut } from './SignOut'

/** `role`: the least role whose API the page needs; the link is hidden from users below it. */
const ITEMS: { href: string; label: string; icon: string; role?: Role }[] = [
  { href: '/', label: 'Overview', icon: '◉' },
  { href: '/prompt-bombing', label: 'Prompt-bombing', icon: '⚡' },
  { href: '/farms', label: 'Emulator farms', icon: '▦' },
  { href: '/cost', label: 'Cost', icon: '$' },
  { href: '/alerts', label: 'Alerts', icon: '◆' },
  { href: '/ingest', label: 'Ingest', icon: '⇅' },
  { href: '/policies', label: 'Policies', icon: '⛨' },
  { href: '/audit', label: 'Audit', icon: '☰', role: 'admin' },
  { href: '/settings', label: 'Settings', icon: '⚙', role: 'admin' },
]

/** Links carry the global range and tenant so switching pages keeps the view. */
export function Nav() {
  const pathname = usePathname()
  const { globalQuery } = useDashboardParams()
  const me = useMe()
  // Role-gated links appear once the role is known, so a viewer never sees (or clicks) Audit.
  const items = ITEMS.filter((item) => !item.role || me.can(item.role))
  return (
    <nav className="nav" aria-label="Main">
      <Link href={`/${globalQuery}`} className="brand">
        <span className="brand-mark" aria-hidden>
          ▲
        </span>{' '}
        Burnrate
      </Link>
      <ul>
        {items.map((item) => {
          const active = item.href === '/' ? pathname === '/' : pathname.startsWith(item.href)
          return (
            <li key={item.href}>
              <Link href={`${item.href}${globalQuery}`} className={active ? 'active' : undefined} aria-current={active ? 'page' : undefined}>
                <span className="nav-icon" aria-hidden>
                  {item.icon}
                </span>
                {item.label}
              </Link>
            </li>
          )
        })}
      </ul>
      <SignOut />
    </nav>
  )
}
