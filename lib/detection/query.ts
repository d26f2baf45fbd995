// Detection reads through selectRows of lib/clickhouse/select.ts (its 30 s cap covers the rankings a viewer asks for, issue 18 F11).

/** Epoch ms → the UInt32 seconds the SQL parameters take. */
export const toSec = (ms: number) => Math.floor(ms / 1000)

export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0))
