/**
 * The simulated population's install ids, declared once for both writers:
 * the live simulator (TypeScript) and the month of history the seed writes
 * inside ClickHouse (SQL). The k-th install of a tenant has the same id in
 * both, so a window spanning seeded and live days counts each install once.
 *
 * id = "i-" + 16 hex digits of (k × golden-ratio constant, mod 2^64) XOR the
 * tenant's 32-bit FNV-1a salt: a bijection per tenant that looks random and
 * needs only 64-bit integer arithmetic, which both sides do alike.
 */
const GOLDEN = 0x9e3779b97f4a7c15n
const MASK = (1n << 64n) - 1n

/** FNV-1a (32-bit) of the tenant id: the tenant's salt, small enough to pass to SQL as a plain number. */
export function tenantSalt(tenantId: string): number {
  let h = 0x811c9dc5
  for (const byte of new TextEncoder().encode(tenantId)) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** The id of the tenant's k-th install (k from 0). */
export function populationInstallId(tenantId: string, k: number): string {
  const mixed = ((BigInt(k) * GOLDEN) & MASK) ^ BigInt(tenantSalt(tenantId))
  return `i-${mixed.toString(16).padStart(16, '0')}`
}

/** The same id as a ClickHouse expression over a UInt64 index expression and a salt expression. */
export function populationInstallIdSql(kExpr: string, saltExpr: string): string {
  return `concat('i-', lower(leftPad(hex(bitXor(toUInt64(${kExpr}) * 0x9E3779B97F4A7C15, toUInt64(${saltExpr}))), 16, '0')))`
}
