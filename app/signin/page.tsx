import { oidcSettings } from '@/lib/auth/oidc'
import { controls } from '@/lib/runtime/controls'
import { SignInForm } from './SignInForm'

export const dynamic = 'force-dynamic'

/** Local users always; an OIDC button when OIDC_ISSUER is configured. No secrets reach the client. */
export default async function SignInPage() {
  // Makes sure the first admin exists (and its password was printed) before anyone tries to sign in.
  await controls()
  const oidc = oidcSettings()
  return (
    <main style={{ maxWidth: 360, margin: '10vh auto', fontFamily: 'system-ui, sans-serif' }}>
      <h1>Sign in to Burnrate</h1>
      <SignInForm oidcIssuer={oidc ? new URL(oidc.issuer).host : null} />
    </main>
  )
}
