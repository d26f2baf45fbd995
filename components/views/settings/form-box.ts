/** The framed form under a settings table. */
export const formBox = { border: '1px solid var(--border)', borderRadius: 6, padding: 12, maxWidth: 560, display: 'grid', gap: 8 } as const
