import type { NextConfig } from 'next'

/**
 * Security headers on every response (docs/auth.md, "Threat model and controls").
 * Scripts need 'unsafe-inline': Next.js streams its hydration data as inline
 * <script> tags, and our pages are prerendered, so a per-request nonce would
 * make every page dynamic. Everything else is same-origin only, the dashboard
 * cannot be framed (clickjacking of revoke buttons), and no URL leaks in a
 * Referer. Dev mode (React's stack reconstruction) also needs 'unsafe-eval'.
 */
export function securityHeaders(dev = process.env.NODE_ENV === 'development'): { key: string; value: string }[] {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
  return [
    { key: 'Content-Security-Policy', value: csp },
    { key: 'X-Frame-Options', value: 'DENY' },
    { key: 'Referrer-Policy', value: 'no-referrer' },
    { key: 'X-Content-Type-Options', value: 'nosniff' },
    { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
  ]
}

const nextConfig: NextConfig = {
  // Native engine and network clients stay out of the bundle and load from node_modules.
  // The Kafka codec packages are native napi-rs modules too (lib/ingest/kafka-codecs.ts): bundled, next build fails.
  serverExternalPackages: ['chdb', '@clickhouse/client', '@clickhouse/client-common', 'kafkajs', 'lz4-napi', 'snappy', '@mongodb-js/zstd'],
  poweredByHeader: false,
  typedRoutes: false,
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders() }]
  },
}

export default nextConfig
