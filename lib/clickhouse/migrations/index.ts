import type { Migration } from './types'
import { migration as m0001 } from './0001_events'
import { migration as m0002 } from './0002_rollups'
import { migration as m0003 } from './0003_ingest_status'
import { migration as m0004 } from './0004_rollup_dedup'
import { migration as m0005 } from './0005_installs_hour'
import { migration as m0006 } from './0006_events_codecs'
import { migration as m0007 } from './0007_stream_progress'
import { migration as m0008 } from './0008_install_profile_ttl'
import { migration as m0009 } from './0009_events_offset_index'
import { migration as m0010 } from './0010_alerts'
import { migration as m0011 } from './0011_incidents'
import { migration as m0015 } from './0015_install_network_minute'
import { migration as m0016 } from './0016_open_streams'
import { migration as m0020 } from './0020_policy'
import { migration as m0021 } from './0021_users'
import { migration as m0022 } from './0022_audit'
import { migration as m0023 } from './0023_revoked_sessions'
import { migration as m0030 } from './0030_ingest_ledger_keeper'
import { migration as m0031 } from './0031_rollup_dedup_windows'
import { migration as m0040 } from './0040_audit_failed_signin_ttl'
import { migration as m0041 } from './0041_oidc_user_state'
import { migration as m0050 } from './0050_budgets'
import { migration as m0051 } from './0051_hour_day_rollups'
import { migration as m0052 } from './0052_abuse_hour'
import { migration as m0053 } from './0053_reattach_altered_views'
import { migration as m0055 } from './0055_stream_end_minute'
import { migration as m0060 } from './0060_install_dim_sketches'
import { migration as m0061 } from './0061_abuse_hour_reseal'
import { migration as m0062 } from './0062_abuse_day'
import { migration as m0063 } from './0063_quarter_and_abuse_sketches'
import { migration as m0064 } from './0064_install_sketches_all_tenants'
import { migration as m0065 } from './0065_kpi_rollups'
import { migration as m0066 } from './0066_test_sources'
import { migration as m0067 } from './0067_install_network_minute_devices'

/**
 * Forward-only, in version order. Never edit one that has shipped: add the
 * next number. Ranges: 1-9 store, 10-19 detection and alerts, 20-29 policy and auth.
 */
export const MIGRATIONS: Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0010,
  m0011,
  m0015,
  m0016,
  m0020,
  m0021,
  m0022,
  m0023,
  m0030,
  m0031,
  m0040,
  m0041,
  m0050,
  m0051,
  m0052,
  m0053,
  m0055,
  m0060,
  m0061,
  m0062,
  m0063,
  m0064,
  m0065,
  m0066,
  m0067,
]
