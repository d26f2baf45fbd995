// Moved to harness/session-cookies.ts (shared by tests and bench/); this path re-exports it until the callers are updated.
export * from '../../harness/session-cookies'
