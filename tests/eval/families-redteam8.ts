import type { ScenarioSettings } from '../../lib/simulator'
import type { RedTeam8Kind } from '../../lib/simulator/families-redteam8'
import { BOMB, HISTORY, MIN, c, redTeamCase, redTeamLookAlike, run, type FamilyCase } from './family-case'

/**
 * Red team, round 8 (lib/simulator/families-redteam8.ts and redteam8-*.ts; issue #15): written from the threat model,
 * the event contract and the simulator without reading the detectors or their documentation, and run once for the
 * report (not tuned to). 'red team 8' in the family name selects them (EVAL_ONLY='red team 8'). The "half of it" cases
 * are an attack at half its intensity (half the bombers, half the farm, half the experiment's share) that a person
 * would still call abuse. Look-alikes marked "all along" run from the start of the history (a habit, a network or a
 * scheduled job does not begin at the case's start).
 */
export function redTeam8Grid(): FamilyCase[] {
  const rt = redTeamCase
  const family = 'benign: red team 8'
  const lookAlike = (level: string, seed: number, kind: RedTeam8Kind, s: ScenarioSettings = {}) => redTeamLookAlike(family, level, seed, kind, s)
  const allAlong = (level: string, seed: number, kind: RedTeam8Kind, s: ScenarioSettings = {}) =>
    c(family, level, 'holdout', [], run(seed, 'benign', { redteam: kind, offsetMs: 0, durationMs: HISTORY + 30 * MIN, ...s }, 30, 120_000))
  const acme = { tenant: 'acme-fitness' }
  const globex = { tenant: 'globex-travel' }
  const initech = { tenant: 'initech-bank' }
  const umbrella = { tenant: 'umbrella-health' }
  const tiles = { ...acme, feature: 'image_caption' }
  const search = { ...globex, feature: 'search_qa' }
  return [
    rt(
      'bombing: red team 8',
      'caption tiles: 4 users feed document pages to image_caption (gpt-4o) at 4-6x, 2-3 calls/min',
      BOMB,
      226,
      'prompt_bomber',
      'rt8_bomb_caption_tiles',
      25,
      tiles,
    ),
    rt('bombing: red team 8', 'half of it: caption tiles, 2 users', BOMB, 227, 'prompt_bomber', 'rt8_bomb_caption_tiles', 25, { ...tiles, installs: 2 }),
    rt(
      'bombing: red team 8',
      'release cover: 6 new installs among a release’s 200 newcomers, search_qa at 3-4x, 2.5 calls/min',
      BOMB,
      228,
      'prompt_bomber',
      'rt8_bomb_release_cover',
      25,
      search,
    ),
    rt(
      'bombing: red team 8',
      'spread over tenants: 30 tampered apps, 10 per tenant, every chat call 2.5-3x, 1-1.5/min',
      BOMB,
      229,
      'prompt_bomber',
      'rt8_bomb_spread_tenants',
      25,
      initech,
    ),
    rt(
      'farm: red team 8',
      'lockstep with filler: 50 passing emulators, one build, 2 cloud /24s, a job every 90 s within 2 s',
      ['emulator_farms'],
      230,
      'emulator_farm',
      'rt8_farm_lockstep_filler',
      20,
      initech,
    ),
    rt(
      'farm: red team 8',
      '150 emulators trickling in at 10/min, 3 hosting ASNs, 5 builds, 15 % of checks fail, human rate',
      ['emulator_farms'],
      231,
      'emulator_farm',
      'rt8_farm_trickle_150',
      25,
      globex,
    ),
    rt(
      'farm: red team 8',
      'push cover: 40 emulators on a hosting ASN farm a promotion among 300 real newcomers',
      ['emulator_farms'],
      232,
      'emulator_farm',
      'rt8_farm_push_cover',
      20,
      acme,
    ),
    rt('farm: red team 8', 'half of it: push cover, 20 emulators', ['emulator_farms'], 233, 'emulator_farm', 'rt8_farm_push_cover', 20, {
      ...acme,
      installs: 20,
    }),
    rt(
      'stream abuse: red team 8',
      'tunnel: 2 installs, one WebSocket chat stream 20-35 min at 15-25 tokens/s, reopened',
      ['stream_abuse'],
      234,
      'stream_abuse',
      'rt8_stream_tunnel',
      30,
      umbrella,
    ),
    rt(
      'stream abuse: red team 8',
      'zombies over tenants: 6 new installs (2 per tenant) on one /24, 3 near-silent streams each',
      ['stream_abuse'],
      235,
      'stream_abuse',
      'rt8_stream_zombie_tenants',
      30,
      acme,
    ),
    rt(
      'token reuse: red team 8',
      'IPv6 abroad: 2 tokens replayed from a Vietnamese mobile /48, owners at home',
      ['token_reuse'],
      236,
      'token_reuse',
      'rt8_reuse_ipv6_abroad',
      20,
      initech,
    ),
    rt(
      'token reuse: red team 8',
      'cross-tenant box: 3 tokens of 3 tenants replayed from one hosting /24 abroad, 0.8/min each',
      ['token_reuse'],
      237,
      'token_reuse',
      'rt8_reuse_cross_tenant_box',
      20,
      globex,
    ),
    rt(
      'cost: red team 8',
      'experiment ramps search_qa to gemini-2.5-pro on 0 → 50 % of installs over 20 min (~45 % of calls, spend ~2.4x)',
      ['cost_anomalies'],
      238,
      'model_shift',
      'rt8_cost_shift_ramp',
      30,
      search,
    ),
    rt(
      'cost: red team 8',
      'half of it: the ramp to 25 % of installs (15-20 % of calls, spend ~1.5x)',
      ['cost_anomalies'],
      239,
      'model_shift',
      'rt8_cost_shift_ramp',
      30,
      {
        ...search,
        installShare: 0.25,
      },
    ),
    allAlong('health digest, all along: every 20 min ~60 apps summarize new records at 3-5x within 3 min', 240, 'rt8_benign_health_digest', umbrella),
    allAlong('8 tour guides translating long texts at 4-6x, 1.5-2.5/min, all along', 241, 'rt8_benign_translators', globex),
    lookAlike('QA on a cloud test lab: 60 devices (30 virtual, failing attestation), RC build, 3 runs each', 242, 'rt8_benign_cloud_test_lab', initech),
    allAlong('iCloud Private Relay, all along: 120 iPhones, egress changes every ~30 s', 243, 'rt8_benign_private_relay', acme),
    lookAlike('carrier clock skew: its Android phones fail token checks token_expired for 12 min', 244, 'rt8_benign_clock_skew', globex),
    allAlong('office NAT, all along: 90 staff of 3 tenants on 2 /24s, busier at lunch', 245, 'rt8_benign_office_nat', acme),
  ]
}
