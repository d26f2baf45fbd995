import type { ScenarioSettings } from '../../lib/simulator'
import type { RedTeam7Kind } from '../../lib/simulator/families-redteam7'
import { BOMB, redTeamCase, redTeamLookAlike, type FamilyCase } from './family-case'

/**
 * Red team, round 7 (lib/simulator/families-redteam7.ts and redteam7-*.ts; issue #15): written from the threat model,
 * the event contract and the simulator without reading the detectors or their documentation, and run once for the
 * report (not tuned to). 'red team 7' in the family name selects them (EVAL_ONLY='red team 7'). The "half of it" cases
 * are an attack at half its intensity (half the installs, half the held streams, half the friends sharing a token,
 * half the hidden calls) that a person would still call abuse.
 */
export function redTeam7Grid(): FamilyCase[] {
  const rt = redTeamCase
  const lookAlike = (level: string, seed: number, kind: RedTeam7Kind, s: ScenarioSettings = {}) => redTeamLookAlike('benign: red team 7', level, seed, kind, s)
  const acme = { tenant: 'acme-fitness' }
  const globex = { tenant: 'globex-travel' }
  const initech = { tenant: 'initech-bank' }
  const umbrella = { tenant: 'umbrella-health' }
  const hooli = { tenant: 'hooli-news' }
  const freeride = { ...acme, feature: 'summarize' }
  return [
    rt(
      'bombing: red team 7',
      'stuffed history: 4 users, each chat turn pastes 1-2k more tokens, 10-14 turns, then again',
      BOMB,
      206,
      'prompt_bomber',
      'rt7_bomb_stuffed_history',
      25,
      umbrella,
    ),
    rt('bombing: red team 7', 'half of it: stuffed history, 2 users', BOMB, 207, 'prompt_bomber', 'rt7_bomb_stuffed_history', 25, { ...umbrella, installs: 2 }),
    rt('bombing: red team 7', 'cross-app: one phone, 4 tenants’ chat at 4x, 1.5 calls/min per app', BOMB, 208, 'prompt_bomber', 'rt7_bomb_cross_app', 20, acme),
    rt(
      'farm: red team 7',
      'SIM modems: 40 real phones on one carrier’s CGNAT pool, new address every 3-6 min, 2-3 calls/min',
      ['emulator_farms'],
      209,
      'emulator_farm',
      'rt7_farm_sim_modems',
      20,
      initech,
    ),
    rt('farm: red team 7', 'half of it: 20 SIM modems', ['emulator_farms'], 210, 'emulator_farm', 'rt7_farm_sim_modems', 20, { ...initech, installs: 20 }),
    rt(
      'farm: red team 7',
      'cross-tenant: 60 emulators, 20 on each of 3 tenants, one hosting ASN (4 /24s), hooked attestation',
      ['emulator_farms'],
      211,
      'emulator_farm',
      'rt7_farm_cross_tenant',
      20,
      globex,
    ),
    rt(
      'stream abuse: red team 7',
      'rotating holders: 3 phones, a new install id every 8-12 min, each holding 4 near-silent streams',
      ['stream_abuse'],
      212,
      'stream_abuse',
      'rt7_stream_rotating_holders',
      30,
      globex,
    ),
    rt('stream abuse: red team 7', 'half of it: rotating holders, 2 streams per id', ['stream_abuse'], 213, 'stream_abuse', 'rt7_stream_rotating_holders', 30, {
      ...globex,
      concurrent: 2,
    }),
    rt(
      'token reuse: red team 7',
      'same network: 2 tokens, a flatmate’s phone on the owner’s /24, another device',
      ['token_reuse'],
      214,
      'token_reuse',
      'rt7_reuse_same_network',
      20,
      acme,
    ),
    rt(
      'token reuse: red team 7',
      'shared ring: 2 tokens each relayed to 4 friends at home in the same country, human rates',
      ['token_reuse'],
      215,
      'token_reuse',
      'rt7_reuse_shared_ring',
      30,
      initech,
    ),
    rt('token reuse: red team 7', 'half of it: shared ring, 2 friends per token', ['token_reuse'], 216, 'token_reuse', 'rt7_reuse_shared_ring', 30, {
      ...initech,
      subnets: 2,
    }),
    rt(
      'cost: red team 7',
      'SDK freeride: half the latest version’s installs send a hidden 3-5k summarize every 2-4 min',
      ['cost_anomalies'],
      217,
      'cost_spike',
      'rt7_cost_sdk_freeride',
      25,
      freeride,
    ),
    rt('cost: red team 7', 'half of it: SDK freeride on a quarter of them', ['cost_anomalies'], 218, 'cost_spike', 'rt7_cost_sdk_freeride', 25, {
      ...freeride,
      installShare: 0.25,
    }),
    rt(
      'cost: red team 7',
      'runaway tail: a release where 12 % of chat answers run to the 4k cap, median unchanged',
      ['cost_anomalies'],
      219,
      'cost_spike',
      'rt7_cost_runaway_tail',
      25,
      acme,
    ),
    lookAlike('the bank’s support desk: 30 company phones on its office /24, 2-4 lookups/min at 1.5-2x', 220, 'rt7_benign_support_desk', initech),
    lookAlike('a flight lands: 50 users’ apps flush 4-12 queued summaries within 30 s', 221, 'rt7_benign_offline_flush', hooli),
    lookAlike('provider rate-limits a region for 6 min: 150 users’ SDK retries after 1, 2, 4 s', 222, 'rt7_benign_retry_storm', globex),
    lookAlike('voice mode: 40 users, one 2-6 min stream per conversation, 1-3 tokens/s', 223, 'rt7_benign_voice_mode', umbrella),
    lookAlike('dual-stack carriers: 80 users alternating IPv4 /24 and IPv6 /48 per call', 224, 'rt7_benign_dual_stack', acme),
    lookAlike('conference in Berlin: 200 users join the venue wifi, a live demo in one minute', 225, 'rt7_benign_conference', acme),
  ]
}
