import type { ScenarioSettings } from '../../lib/simulator'
import type { RedTeam4Kind } from '../../lib/simulator/families-redteam4'
import { BOMB, HISTORY, MIN, c, redTeamCase, redTeamLookAlike, run, type FamilyCase } from './family-case'

/**
 * Red team, round 4 (lib/simulator/families-redteam4.ts and redteam4-*.ts; issue #15): written from the threat
 * model and the event contract before the detectors were run on them, run once for the report. 'red team 4' in the
 * family name selects them (EVAL_ONLY='red team 4').
 */
export function redTeam4Grid(): FamilyCase[] {
  const rt = redTeamCase
  const lookAlike = (level: string, seed: number, kind: RedTeam4Kind, s: ScenarioSettings = {}) => redTeamLookAlike('benign: red team 4', level, seed, kind, s)
  return [
    rt(
      'bombing: red team 4',
      'output side: 4 installs, ~250-token prompts asking 4k-token answers, no stream',
      BOMB,
      141,
      'prompt_bomber',
      'rt4_bomb_output',
      15,
      {
        tenant: 'acme-fitness',
        feature: 'summarize',
      },
    ),
    rt('bombing: red team 4', 'paced: 2 installs, 1 call per 2 min at 8x, 40 min', BOMB, 142, 'prompt_bomber', 'rt4_bomb_paced', 40, {
      tenant: 'initech-bank',
    }),
    rt(
      'farm: red team 4',
      'aged: 60 installs registered in the history, one build, 6 /24s of one host, wake together',
      ['emulator_farms'],
      143,
      'emulator_farm',
      'rt4_farm_aged',
      15,
      {
        tenant: 'globex-travel',
      },
    ),
    // Session 25, after the wake statistic: the aged farm without its shared build and /24s (what the wake still missed).
    rt(
      'farm: red team 4',
      'aged spread: 60 installs registered in the history, a phone and /24 each on one host, wake together',
      ['emulator_farms'],
      158,
      'emulator_farm',
      'rt4_farm_aged_spread',
      15,
      {
        tenant: 'globex-travel',
      },
    ),
    rt(
      'farm: red team 4',
      'lockstep every 60 s ± 15 s, 70 installs, residential proxies, 2 builds, passing',
      ['emulator_farms'],
      144,
      'emulator_farm',
      'rt4_farm_jitter_lockstep',
    ),
    rt(
      'stream abuse: red team 4',
      '30 installs, one abandoned 40k-120k-token stream each',
      ['stream_abuse', 'prompt_bombing'],
      145,
      'stream_abuse',
      'rt4_stream_abandoned',
    ),
    rt(
      'token reuse: red team 4',
      '2 tokens, thief on the owner carrier (same ASN), another /24, overlapping streams',
      ['token_reuse'],
      146,
      'token_reuse',
      'rt4_reuse_same_carrier',
    ),
    rt('token reuse: red team 4', '2 tokens, thief hopping /24s of one /16 of another carrier', ['token_reuse'], 147, 'token_reuse', 'rt4_reuse_hop16'),
    // Its level first read 'cost per request 1x to 2x': the case scales the context, and 2x the chat context is ~1.4x its
    // cost per request (output is 4x the input price). Renamed after the first run; the 2x-cost case added beside it.
    rt(
      'cost: red team 4',
      'chat context creeping 1x to 2x over 60 min (cost per request 1.4x)',
      ['cost_anomalies'],
      148,
      'cost_spike',
      'rt4_cost_creep',
      75,
      {},
      120_000,
    ),
    rt(
      'cost: red team 4',
      'chat context creeping 1x to 3.3x over 60 min (cost per request 2x)',
      ['cost_anomalies'],
      156,
      'cost_spike',
      'rt4_cost_creep',
      75,
      { contextFactor: 3.3 },
      120_000,
    ),
    rt('cost: red team 4', 'summarize calls x3 from existing installs, same sizes', ['cost_anomalies'], 149, 'cost_spike', 'rt4_cost_volume', 20, {
      feature: 'summarize',
      tenant: 'acme-fitness',
    }),
    lookAlike('holiday: every tenant x2.5 for 30 min', 150, 'rt4_benign_holiday'),
    lookAlike('chat sessions whose context grows per turn', 151, 'rt4_benign_growing_chat', { tenant: 'acme-fitness' }),
    // The same people chatting this way all along (from the start of history), not from one minute on: added after
    // the first run, where the 30 sessions all began at the case's start (a common onset no chat app has).
    c(
      'benign: red team 4',
      'chat sessions whose context grows per turn, all along',
      'holdout',
      [],
      run(157, 'benign', { redteam: 'rt4_benign_growing_chat', tenant: 'acme-fitness', offsetMs: 0, durationMs: HISTORY + 30 * MIN }, 30, 120_000),
    ),
    lookAlike('a new tenant onboarding, no history', 152, 'rt4_benign_new_tenant'),
    lookAlike('release moves chat to a cheaper model', 153, 'rt4_benign_cheaper_default', { tenant: 'initech-bank' }),
    lookAlike('gateway reports ASN 0 / ZZ for a whole tenant', 154, 'rt4_benign_unplaced_tenant', { tenant: 'globex-travel' }),
    lookAlike('QA load test of a staging build from the office', 155, 'rt4_benign_qa_load', { tenant: 'acme-fitness' }),
    // Session 25: what a woken farm does, done by people (their own phones and carriers).
    lookAlike('push to 200 lapsed users, opened within minutes', 159, 'rt4_benign_push_dormant', { tenant: 'globex-travel' }),
  ]
}
