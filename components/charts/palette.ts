/** Series colours that read on both themes; assigned by key order so a feature keeps its colour across charts on a page. */
export const PALETTE = ['#6e9fff', '#ff9f43', '#3fb37f', '#c678dd', '#f0555a', '#2ec4c4', '#e5c07b', '#9aa5b8', '#ff6fae', '#8bd450']

export const SEVERITY_COLORS = { info: '#5fa8e8', warning: '#e5a23c', critical: '#f0555a' } as const

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length]
}
