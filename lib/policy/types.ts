import { z } from 'zod'
import type { POLICY_RULE_KINDS } from '../events/schema'

/**
 * Policy model. A rule applies controls to one subject at one scope:
 *   global  subject '*'
 *   tenant  subject <tenant_id>
 *   feature subject <tenant_id>/<feature>
 *   install subject <install_id>
 * A farm cluster is not a scope: it is expanded to one install rule per member.
 * Precedence (see resolve.ts and docs/policy.md): for each control separately,
 * the most specific scope that sets it wins: install > feature > tenant > global.
 * Quotas are per install: a tenant rule of 20k tokens/min gives every install
 * of that tenant its own 20k bucket.
 */
export const SCOPES = ['global', 'tenant', 'feature', 'install'] as const
export type Scope = (typeof SCOPES)[number]
export type RuleKind = (typeof POLICY_RULE_KINDS)[number]

const subjectText = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@/+=*-]+$/)
// 0 is a valid limit: an install-scope 0 blocks one install, which responders may do
// like a revoke. At tenant/feature scope a limit under BLOCK_FLOORS is a revocation
// and admin-only; that depends on scope and role, so permissions.ts checks it, not this schema.
const limit = (max: number) => z.number().int().min(0).max(max)

export const degradeSchema = z.object({
  maxContextTokens: limit(10_000_000),
  maxOutputTokens: limit(10_000_000),
  /** Only for installs whose latest attestation was rejected (emulator, rooted, hooking…). */
  riskyOnly: z.boolean().default(false),
})

export const controlsSchema = z
  .object({
    revoked: z.literal(true).optional(),
    tokensPerMinute: limit(1_000_000_000).optional(),
    tokensPerDay: limit(1_000_000_000_000).optional(),
    spendPerDayMicros: limit(1_000_000_000_000).optional(),
    maxContextTokens: limit(10_000_000).optional(),
    maxOutputTokens: limit(10_000_000).optional(),
    maxConcurrentStreams: limit(100_000).optional(),
    degrade: degradeSchema.optional(),
  })
  .strict()
export type Controls = z.infer<typeof controlsSchema>
export type ControlName = keyof Controls
export const CONTROL_NAMES = Object.keys(controlsSchema.shape) as ControlName[]

/** Which denial kind (event contract) each control produces. */
export const RULE_KIND_OF: Record<ControlName, RuleKind> = {
  revoked: 'revoked',
  tokensPerMinute: 'tokens_per_minute',
  tokensPerDay: 'tokens_per_day',
  spendPerDayMicros: 'spend_per_day',
  maxContextTokens: 'max_context_tokens',
  maxOutputTokens: 'max_output_tokens',
  maxConcurrentStreams: 'max_concurrent_streams',
  degrade: 'degraded',
}

export interface Rule {
  key: string
  scope: Scope
  subject: string
  controls: Controls
  /** Epoch ms after which the rule no longer applies; null = until changed. */
  until: number | null
  reason: string
  author: string
  /** Version of the change that last wrote this rule. */
  version: number
  updatedAt: number
}

export const ruleKey = (scope: Scope, subject: string) => `${scope}:${subject}`

export function isActive(rule: Rule, nowMs: number): boolean {
  return rule.until === null || rule.until > nowMs
}

/** One rule written by a change; after null = the rule was removed. */
export interface RuleChange {
  key: string
  scope: Scope
  subject: string
  before: Rule | null
  after: Rule | null
}

export const ACTIONS = ['revoke', 'quota', 'degrade', 'clear', 'undo', 'restore'] as const
export type Action = (typeof ACTIONS)[number]

/** One version of the policy log. */
export interface PolicyChange {
  version: number
  at: number
  author: string
  approvedBy: string
  reason: string
  action: Action
  undoOf: number
  rules: RuleChange[]
}

/** What an operator asks for, from the dashboard or API. */
export const changeRequestSchema = z.object({
  scope: z.enum(SCOPES),
  /** Subjects at that scope; many installs = a bulk change (a farm). Global: ['*']. */
  subjects: z.array(subjectText).min(1).max(10_000),
  action: z.enum(['revoke', 'quota', 'degrade', 'clear']),
  /** For quota: the limits to set (merged into the existing rule). For degrade: caps in `degrade`. */
  controls: controlsSchema.omit({ revoked: true }).default({}),
  /** null = permanent (admin only). */
  durationMinutes: z
    .number()
    .int()
    .min(1)
    .max(366 * 24 * 60)
    .nullable(),
  reason: z.string().trim().min(3).max(500),
  /** Bulk changes must repeat the number of subjects they affect. */
  confirmCount: z.number().int().min(0).optional(),
})
export type ChangeRequest = z.infer<typeof changeRequestSchema>
