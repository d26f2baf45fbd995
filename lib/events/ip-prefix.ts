/**
 * Reduces an address or prefix to at most /24 (IPv4) or /48 (IPv6) so a full
 * client address can never reach storage, whatever the gateway sends.
 * Returns null when the input is not an IP address or prefix.
 */
export function toIpPrefix(input: string): string | null {
  const [addr, lenText, ...rest] = input.trim().split('/')
  if (rest.length > 0 || !addr) return null
  const len = lenText === undefined ? undefined : Number(lenText)
  if (len !== undefined && (!Number.isInteger(len) || lenText === '')) return null
  // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d (Node's remoteAddress does).
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr)
  if (mapped) return len === undefined ? ipv4Prefix(mapped[1], undefined) : len >= 96 ? ipv4Prefix(mapped[1], len - 96) : null
  if (addr.includes(':')) return ipv6Prefix(addr, len)
  return ipv4Prefix(addr, len)
}

function ipv4Prefix(addr: string, len: number | undefined): string | null {
  const parts = addr.split('.')
  if (parts.length !== 4) return null
  const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN))
  if (octets.some((o) => !(o >= 0 && o <= 255))) return null
  if (len !== undefined && (len < 0 || len > 32)) return null
  const bits = Math.min(len ?? 24, 24)
  const value = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
  const masked = (value & mask) >>> 0
  const out = [masked >>> 24, (masked >>> 16) & 255, (masked >>> 8) & 255, masked & 255]
  return `${out.join('.')}/${bits}`
}

function ipv6Prefix(addr: string, len: number | undefined): string | null {
  if (len !== undefined && (len < 0 || len > 128)) return null
  const halves = addr.split('::')
  if (halves.length > 2) return null
  const parse = (s: string) => (s === '' ? [] : s.split(':'))
  const head = parse(halves[0])
  const tail = halves.length === 2 ? parse(halves[1]) : []
  if (tail.some((g) => g.includes('.')) || head.some((g) => g.includes('.'))) return null
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null
  const bits = Math.min(len ?? 48, 48)
  const words = groups.map((g) => parseInt(g, 16))
  const kept = words.map((w, i) => {
    const from = i * 16
    if (from + 16 <= bits) return w
    if (from >= bits) return 0
    const keep = bits - from
    return w & ((0xffff << (16 - keep)) & 0xffff)
  })
  const significant = kept.slice(0, Math.ceil(bits / 16)).map((w) => w.toString(16))
  return `${significant.join(':')}::/${bits}`
}
