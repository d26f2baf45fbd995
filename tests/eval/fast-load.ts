// Moved to harness/eval/fast-load.ts (shared by tests and bench/); this path re-exports it until the callers are updated.
export * from '../../harness/eval/fast-load'
