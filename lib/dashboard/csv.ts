/**
 * One CSV field, RFC 4180 quoted when it needs it. A leading =, +, - or @
 * would be run as a formula by spreadsheet apps (CSV injection); so would one
 * after a TAB or CR, which some apps strip first. Only strings are guarded:
 * numbers are ours (a negative number stays a number).
 */
function cell(v: string | number): string {
  const s = String(v)
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** One CSV line with its CRLF end (what spreadsheet apps expect). */
export function csvLine(cells: (string | number)[]): string {
  return cells.map(cell).join(',') + '\r\n'
}

/** RFC 4180 CSV: quote every field that needs it, CRLF line ends. */
export function toCsv(header: string[], rows: (string | number)[][]): string {
  return [header, ...rows].map(csvLine).join('')
}

/**
 * CSV as a byte stream: the header, then one line per row as `rows` yields it
 * (pulled when the client reads, so a long export holds one block of rows, not
 * the result), then `footer` lines if any. Closing the download stops the query.
 */
export function csvStream(header: string[], rows: AsyncIterable<(string | number)[]>, footer?: () => (string | number)[][]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder()
  const it = rows[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(enc.encode(csvLine(header)))
    },
    async pull(c) {
      const next = await it.next()
      if (next.done) {
        for (const line of footer?.() ?? []) c.enqueue(enc.encode(csvLine(line)))
        c.close()
        return
      }
      c.enqueue(enc.encode(csvLine(next.value)))
    },
    async cancel() {
      await it.return?.(undefined)
    },
  })
}

/** Response headers of a CSV download named `filename`. */
export function csvHeaders(filename: string): Record<string, string> {
  return { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' }
}
