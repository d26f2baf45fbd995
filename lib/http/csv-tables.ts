import type { FarmCluster, CostAnomalyRow, FeatureConcentration, PromptBombingRow, RankingRows, StreamAbuseRow, TokenReuseRow } from '../detection/types'
import type { DetectorName } from '../detection/types'
import type { Incident } from '../alerts/incident-types'
import type { InstallProfile } from '../install-types'
import { isoCell, usdCell, type CsvTable } from '../dashboard/csv-route'
import type { DeadLetterSample, InstallEventRow } from '../dashboard/types'

/**
 * The columns of each dashboard table's CSV export (docs/dashboard.md lists
 * them). Every text cell may be client-sent (labels, payloads, install ids):
 * csvStream quotes and formula-guards strings, so they stay strings here.
 */

export const DEAD_LETTERS_CSV: CsvTable<DeadLetterSample> = {
  header: ['received_at_utc', 'reason', 'src_topic', 'src_partition', 'src_offset', 'error', 'payload_sample', 'payload_bytes'],
  line: (r) => [isoCell(r.received_at), r.reason, r.src_topic, r.src_partition, r.src_offset, r.error, r.payload, r.payload_bytes],
}

export const INSTALL_EVENTS_CSV: CsvTable<InstallEventRow> = {
  header: [
    'ts_utc',
    'type',
    'feature',
    'model',
    'verdict',
    'reasons',
    'outcome',
    'end_reason',
    'duration_ms',
    'rule_kind',
    'context_tokens',
    'prompt_tokens',
    'completion_tokens',
    'cost_usd',
  ],
  line: (r) => [
    isoCell(r.ts),
    r.type,
    r.feature,
    r.model,
    r.verdict,
    r.reasons.join(' '),
    r.outcome,
    r.end_reason,
    r.duration_ms,
    r.rule_kind,
    r.context_tokens,
    r.prompt_tokens,
    r.completion_tokens,
    usdCell(r.cost_micros),
  ],
}

export const FARM_MEMBERS_CSV: CsvTable<InstallProfile> = {
  header: [
    'tenant',
    'install_id',
    'platform',
    'device_model',
    'os_version',
    'app_version',
    'device_fingerprint',
    'ip_prefix',
    'asn',
    'country',
    'first_seen_utc',
    'last_seen_utc',
    'attestations_rejected',
    'attestations_accepted',
    'events',
    'cost_usd',
  ],
  line: (p) => [
    p.tenant_id,
    p.install_id,
    p.platform,
    p.device_model,
    p.os_version,
    p.app_version,
    p.device_fingerprint,
    p.ip_prefix,
    p.asn,
    p.country,
    isoCell(p.first_seen),
    isoCell(p.last_seen),
    p.attest_rejected,
    p.attest_accepted,
    p.events,
    usdCell(p.cost_micros),
  ],
}

const z1 = (n: number) => n.toFixed(2)
const reasons = (r: { reasons: string[] }) => r.reasons.join('; ')

const PROMPT_BOMBING_CSV: CsvTable<PromptBombingRow> = {
  header: [
    'tenant',
    'install_id',
    'feature',
    'score',
    'severity',
    'tokens_per_minute',
    'tokens_per_minute_z',
    'context_tokens',
    'context_tokens_z',
    'concurrent_streams',
    'concurrent_streams_z',
    'requests',
    'cost_usd',
    'feature_spend_share',
    'reasons',
  ],
  line: (r) => [
    r.tenant_id,
    r.install_id,
    r.feature,
    z1(r.score),
    r.severity ?? '',
    Math.round(r.metrics.tokens_per_minute.value),
    z1(r.metrics.tokens_per_minute.z),
    Math.round(r.metrics.context_tokens.value),
    z1(r.metrics.context_tokens.z),
    z1(r.metrics.concurrent_streams.value),
    z1(r.metrics.concurrent_streams.z),
    r.requests,
    usdCell(r.cost_micros),
    r.spend_share.toFixed(6),
    reasons(r),
  ],
}

const EMULATOR_FARMS_CSV: CsvTable<FarmCluster> = {
  header: [
    'cluster_id',
    'tenant',
    'score',
    'severity',
    'size',
    'new_installs',
    'attestations_rejected',
    'attestations_accepted',
    'cost_usd',
    'shared_traits',
    'first_seen_utc',
    'last_seen_utc',
    'reasons',
  ],
  line: (c) => [
    c.cluster_id,
    c.tenant_id,
    z1(c.score),
    c.severity ?? '',
    c.size,
    c.new_installs,
    c.attest_rejected,
    c.attest_accepted,
    usdCell(c.cost_micros),
    c.shared_traits.map((t) => `${t.trait}=${t.value} (${t.members})`).join('; '),
    isoCell(c.first_seen),
    isoCell(c.last_seen),
    reasons(c),
  ],
}

const COST_ANOMALIES_CSV: CsvTable<CostAnomalyRow> = {
  header: [
    'kind',
    'subject',
    'tenant',
    'feature',
    'model',
    'app_version',
    'score',
    'severity',
    'current',
    'expected',
    'ratio',
    'requests',
    'cost_usd',
    'reasons',
  ],
  line: (r) => [
    r.kind,
    r.subject,
    r.tenant_id,
    r.feature,
    r.model,
    r.app_version,
    z1(r.score),
    r.severity ?? '',
    r.current,
    r.expected,
    r.ratio.toFixed(4),
    r.requests,
    usdCell(r.cost_micros),
    reasons(r),
  ],
}

const STREAM_ABUSE_CSV: CsvTable<StreamAbuseRow> = {
  header: [
    'tenant',
    'install_id',
    'score',
    'severity',
    'streams',
    'max_concurrent',
    'max_duration_ms',
    'zombie_streams',
    'client_disconnects',
    'disconnect_cost_usd',
    'cost_usd',
    'reasons',
  ],
  line: (r) => [
    r.tenant_id,
    r.install_id,
    z1(r.score),
    r.severity ?? '',
    r.streams,
    r.max_concurrent,
    r.max_duration_ms,
    r.zombie_streams,
    r.client_disconnects,
    usdCell(r.disconnect_cost_micros),
    usdCell(r.cost_micros),
    reasons(r),
  ],
}

const TOKEN_REUSE_CSV: CsvTable<TokenReuseRow> = {
  header: ['tenant', 'install_id', 'score', 'severity', 'events', 'switches', 'overlaps', 'fast_country_changes', 'first_overlap_utc', 'networks', 'reasons'],
  line: (r) => [
    r.tenant_id,
    r.install_id,
    z1(r.score),
    r.severity ?? '',
    r.events,
    r.switches,
    r.overlaps,
    r.fast_country_changes,
    isoCell(r.first_overlap_at),
    r.networks.map((n) => `AS${n.asn} ${n.country} (${n.events})`).join('; '),
    reasons(r),
  ],
}

/** Each detector's ranking as CSV, in the columns of its table (or its API row where no page shows it). */
export const RANKING_CSV: { [N in DetectorName]: CsvTable<RankingRows[N]> } = {
  prompt_bombing: PROMPT_BOMBING_CSV,
  emulator_farms: EMULATOR_FARMS_CSV,
  cost_anomalies: COST_ANOMALIES_CSV,
  stream_abuse: STREAM_ABUSE_CSV,
  token_reuse: TOKEN_REUSE_CSV,
}

export const CONCENTRATION_CSV: CsvTable<FeatureConcentration> = {
  header: ['tenant', 'feature', 'installs', 'cost_usd', 'top_1pct_share', 'top_10_share'],
  line: (r) => [r.tenant_id, r.feature, r.installs, usdCell(r.cost_micros), r.top1pct_share.toFixed(6), r.top10_share.toFixed(6)],
}

export const INCIDENTS_CSV: CsvTable<Incident> = {
  header: [
    'id',
    'tenant',
    'title',
    'state',
    'severity',
    'score',
    'detectors',
    'alerts',
    'first_seen_utc',
    'last_seen_utc',
    'acknowledged_by',
    'acknowledged_at_utc',
    'snoozed_until_utc',
    'resolved_by',
    'resolved_at_utc',
  ],
  line: (i) => [
    i.id,
    i.tenant_id,
    i.title,
    i.state,
    i.severity,
    z1(i.score),
    i.detectors.join(' '),
    i.alert_ids.length,
    isoCell(i.first_seen),
    isoCell(i.last_seen),
    i.acknowledged_by ?? '',
    isoCell(i.acknowledged_at),
    isoCell(i.snoozed_until),
    i.resolved_by ?? '',
    isoCell(i.resolved_at),
  ],
}
