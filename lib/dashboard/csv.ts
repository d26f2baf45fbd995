/** RFC 4180 CSV: quote every field that needs it, CRLF line ends (what spreadsheet apps expect). */
export function toCsv(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => {
    const s = String(v)
    // A leading =, +, - or @ would be run as a formula by spreadsheet apps (CSV
    // injection); so would one after a TAB or CR, which some apps strip first.
    const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
  }
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}
