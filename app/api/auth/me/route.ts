import { route } from '@/lib/runtime/route'

export const dynamic = 'force-dynamic'

export const GET = route({ role: 'viewer' }, async ({ principal }) => ({
  user: { userId: principal.userId, displayName: principal.displayName, role: principal.role, provider: principal.provider },
}))
