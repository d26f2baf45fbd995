import { csvHeaders, csvStream } from './csv'

/** One CSV cell per column of a table's export: the header names and how a row becomes a line. */
export interface CsvTable<Row> {
  header: string[]
  line: (row: Row) => (string | number)[]
}

/** Money as the CSV carries it: dollars with 6 decimals (micro-dollars exactly). */
export const usdCell = (micros: number) => (micros / 1_000_000).toFixed(6)

/** A time as the CSV carries it: ISO 8601 UTC (spreadsheets parse it; no local zone to guess). */
export const isoCell = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '')

/** yyyymmddhhmm (UTC) of a window bound, for file names. */
export const fileStamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[-:T]/g, '')

/**
 * `burnrate-<part>-<part>….csv`. Parts may carry client-sent text (a tenant,
 * an install id): anything but letters, digits, dot, underscore and dash
 * becomes `_`, so the name cannot break out of the Content-Disposition quotes
 * or name a path.
 */
export function exportFileName(parts: (string | number)[]): string {
  const safe = parts.map((p) =>
    String(p)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .slice(0, 80),
  )
  return `burnrate-${safe.join('-')}.csv`
}

/** Rows (an async iterator pulled as the client reads, or rows a detector already holds) as their table's CSV. */
async function* lines<Row>(table: CsvTable<Row>, rows: AsyncIterable<Row> | Iterable<Row>): AsyncGenerator<(string | number)[]> {
  for await (const r of rows) yield table.line(r)
}

/**
 * The CSV download every export route answers with: the header line, then
 * one line per row as `rows` yields it (csvStream: cells quoted and
 * formula-guarded, nothing collected first), named by `nameParts`.
 */
export function csvDownload<Row>(nameParts: (string | number)[], table: CsvTable<Row>, rows: AsyncIterable<Row> | Iterable<Row>): Response {
  return new Response(csvStream(table.header, lines(table, rows)), { headers: csvHeaders(exportFileName(nameParts)) })
}

/** The whole CSV text of `rows` (tests and small tables). */
export async function csvText<Row>(table: CsvTable<Row>, rows: AsyncIterable<Row> | Iterable<Row>): Promise<string> {
  return new Response(csvStream(table.header, lines(table, rows))).text()
}
