/**
 * Where to send the user after sign-in, from an untrusted `next` value.
 *
 * Pure and dependency-free on purpose: the sign-in form (client bundle) and
 * the OIDC routes (server) must apply the very same rule, or the laxer one
 * becomes the open redirect.
 */

// A placeholder origin nobody can own (.invalid is reserved), used only to
// let the URL parser resolve `next` exactly the way a browser would.
const BASE = 'http://x.invalid'
const MAX_NEXT_LENGTH = 2048
// C0 controls and DEL: browsers silently drop tab/CR/LF inside URLs, so
// "/\t/evil.com" turns into "//evil.com" after the check has passed.
const CONTROL = /[\u0000-\u001f\u007f]/

function decodedOrNull(s: string): string | null {
  try {
    return decodeURIComponent(s)
  } catch {
    return null
  }
}

/** A same-origin path (path + query + fragment), or '/' for anything else. */
export function safeNext(next: string | null | undefined): string {
  if (!next || next.length > MAX_NEXT_LENGTH) return '/'
  if (!next.startsWith('/') || next.startsWith('//')) return '/'
  // Backslashes count as slashes in http(s) URLs ("/\evil.com" is "//evil.com").
  if (next.includes('\\') || CONTROL.test(next)) return '/'
  let url: URL
  try {
    url = new URL(next, BASE)
  } catch {
    return '/'
  }
  if (url.origin !== BASE) return '/'
  // Dot segments can collapse into a protocol-relative path: "/.//evil.com"
  // resolves to pathname "//evil.com".
  if (url.pathname.startsWith('//')) return '/'
  // Encoded forms ("/%2F%2Fevil.com", "/%5Cevil.com", "/%09/...") are inert in a
  // browser, but any proxy or framework that decodes the path before
  // redirecting would revive them; no page of ours needs them.
  const decoded = decodedOrNull(url.pathname)
  if (decoded === null || decoded.startsWith('//') || decoded.includes('\\') || CONTROL.test(decoded)) return '/'
  return url.pathname + url.search + url.hash
}
