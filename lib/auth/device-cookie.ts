import { jwtVerify, SignJWT } from 'jose'
import { randomUUID } from 'node:crypto'
import { cookieSecure, readCookie, sessionSecret } from './session'

/**
 * "Known browser" cookie: set after a successful password sign-in, it tells a
 * later sign-in for the same user name that this browser has signed in as that
 * user before. Such attempts are throttled per device instead of per user name
 * and per address, so a stranger hammering `admin` (which locks the name for
 * everyone else) cannot keep the real admin out of their own browser. It grants
 * nothing by itself: the password is still checked.
 */
export const DEVICE_COOKIE = 'br_device'
const DEVICE_TTL_SECONDS = 180 * 86_400

export async function issueDeviceToken(userId: string, deviceId: string = randomUUID()): Promise<string> {
  return new SignJWT({ typ: 'device' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setJti(deviceId)
    .setIssuedAt()
    .setExpirationTime(`${DEVICE_TTL_SECONDS}s`)
    .sign(sessionSecret())
}

/** The device id when the request carries a valid device cookie issued to `userId`, else null. */
export async function knownDevice(req: Request, userId: string): Promise<string | null> {
  const token = readCookie(req.headers.get('cookie'), DEVICE_COOKIE)
  if (!token) return null
  try {
    const { payload } = await jwtVerify(token, sessionSecret(), { algorithms: ['HS256'] })
    return payload.typ === 'device' && payload.sub === userId && payload.jti ? payload.jti : null
  } catch {
    return null
  }
}

/** Only the sign-in route ever needs it: Path-scoped, httpOnly, SameSite=Strict. */
export function deviceCookie(token: string, req: Request): string {
  const parts = [`${DEVICE_COOKIE}=${token}`, 'Path=/api/auth/signin', 'HttpOnly', 'SameSite=Strict', `Max-Age=${DEVICE_TTL_SECONDS}`]
  if (cookieSecure(req)) parts.push('Secure')
  return parts.join('; ')
}
