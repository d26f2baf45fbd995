import { BOMB, HISTORY, MIN, redTeamCase, redTeamLookAlike, type FamilyCase } from './family-case'
import { redTeam4Grid } from './families-redteam4'
import { redTeam5Grid } from './families-redteam5'
import { redTeam6Grid } from './families-redteam6'
import { redTeam7Grid } from './families-redteam7'
import { redTeam8Grid } from './families-redteam8'
import { redTeam9Grid } from './families-redteam9'

/** The red-team rounds of the evaluation grid (all held out): the cases of lib/simulator/families-redteam*.ts and their look-alikes. */
export function redTeamGrid(): FamilyCase[] {
  // Red team for the non-bombing detectors (lib/simulator/families-redteam.ts), written from the threat model before
  // the detectors were run on them; 'red team' in the family name selects them all (EVAL_ONLY='red team').
  const rt = redTeamCase
  const lookAlike = redTeamLookAlike
  const redteam = [
    rt('farm: red team', 'passes attestation, Poisson timing, 20 /24s of one cloud ASN, 2 images', ['emulator_farms'], 61, 'emulator_farm', 'farm_jittered'),
    rt(
      'farm: red team',
      'passes attestation, 60 distinct phones, 40 /24s, joining over 12 min',
      ['emulator_farms'],
      62,
      'emulator_farm',
      'farm_diverse_trickle',
    ),
    rt('farm: red team', '30 % of attestations fail, Poisson timing, 2 cloud ASNs', ['emulator_farms'], 63, 'emulator_farm', 'farm_mixed'),
    rt('cost: red team', '30 % of a feature moved to a pricier model', ['cost_anomalies'], 64, 'model_shift', 'cost_mix_shift', 20),
    rt('stream abuse: red team', '2 installs, 6 long streams open at once', ['stream_abuse'], 65, 'stream_abuse', 'stream_concurrent'),
    rt('stream abuse: red team', '2 installs, 60-token prompts, 6k-16k-token answers', ['stream_abuse'], 66, 'stream_abuse', 'stream_long_output'),
    rt('token reuse: red team', '2 tokens, thief in the same country on another carrier', ['token_reuse'], 67, 'token_reuse', 'reuse_same_country'),
    rt('token reuse: red team', '1 token replayed from 10 countries at once', ['token_reuse'], 68, 'token_reuse', 'reuse_many_ips'),
    // Half the intensity of the two cases the 2026-12-05 signals were built for (new_network, alternation), added with
    // them and run once for the report: half the farm, and owner and thief at 1 request a minute each.
    rt('farm: red team', 'half of it: 30 distinct phones, 25 /24s, joining over 12 min', ['emulator_farms'], 80, 'emulator_farm', 'farm_diverse_trickle', 15, {
      installs: 30,
      subnets: 25,
    }),
    rt(
      'token reuse: red team',
      '2 tokens, same country, another carrier, 1 request a minute each',
      ['token_reuse'],
      81,
      'token_reuse',
      'reuse_same_country',
      15,
      {
        perMinute: 1,
      },
    ),
    // The same at 1 request a minute each for an hour: the horizon of the slow alternation test (token-reuse-timing.ts),
    // which needs about 40 switches. Added with it and run once for the report.
    rt(
      'token reuse: red team',
      '2 tokens, same country, another carrier, 1 request a minute each, 60 min',
      ['token_reuse'],
      82,
      'token_reuse',
      'reuse_same_country',
      60,
      { perMinute: 1 },
    ),
    // A release that doubles spend without changing cost per request (families-release.ts), added 2026-12-06 and run once
    // on main before the release volume lens was written: every chat call of the new version sent twice, half of them.
    rt('cost: red team', 'release on 35 % of installs, every chat call sent twice', ['cost_anomalies'], 83, 'cost_spike', 'cost_release_volume', 20),
    rt('cost: red team', 'release on 35 % of installs, half the chat calls sent twice', ['cost_anomalies'], 84, 'cost_spike', 'cost_release_volume', 20, {
      repeatShare: 0.5,
    }),
    rt('cost: red team', 'release on 30 % of globex installs, translate calls sent twice', ['cost_anomalies'], 85, 'cost_spike', 'cost_release_volume', 20, {
      installShare: 0.3,
      tenant: 'globex-travel',
      feature: 'translate',
    }),
    // A price change (families-price.ts), added 2026-12-06 with the price lens and run once for the report: the gateway
    // bills acme's gpt-4o-mini 1.3x the catalog, and globex's claude-haiku-4 1.15x (half of it).
    rt('cost: red team', 'gateway bills a model 1.3x the catalog', ['cost_anomalies'], 86, 'cost_spike', 'cost_price_change', 20),
    rt('cost: red team', 'gateway bills a model 1.15x the catalog, another tenant', ['cost_anomalies'], 87, 'cost_spike', 'cost_price_change', 20, {
      billedFactor: 1.15,
      tenant: 'globex-travel',
    }),
    // Half the intensity of the 6-at-once case, added with the open-stream concurrency test (2026-12-06) and run once for
    // the report: one install holding 3 long answers open at once.
    rt('stream abuse: red team', 'half of it: 1 install, 3 long streams open at once', ['stream_abuse'], 86, 'stream_abuse', 'stream_concurrent', 15, {
      installs: 1,
      concurrent: 3,
    }),
    // Its benign look-alike (redteam-streams.ts): 60 people whose answers stream for 30 s-3 min, two at once when they switch chats.
    lookAlike('benign: red team', 'slow_answers', 87, 'benign_slow_answers'),
    // The model provider stalls for 10 min (benign-outage.ts): 300 people's streams all time out at 60 s, retried while open.
    lookAlike('benign: red team', 'provider outage', 132, 'benign_provider_outage'),
    // Red team, round 3 (families-redteam3.ts, redteam3-streams.ts; issue #15): written from the threat model before the
    // detectors were run on them, run once for the report. 'red team 3' in the family name selects them.
    rt('farm: red team 3', 'only 16 members, one image, 2 /24s of one cloud ASN, human rate', ['emulator_farms'], 90, 'emulator_farm', 'rt3_farm_small'),
    rt(
      'farm: red team 3',
      '40 members on residential proxies of the home country, one phone build',
      ['emulator_farms'],
      91,
      'emulator_farm',
      'rt3_farm_residential',
    ),
    rt(
      'farm: red team 3',
      '30 members on an old build nobody else runs, diverse phones and networks',
      ['emulator_farms'],
      92,
      'emulator_farm',
      'rt3_farm_old_build',
    ),
    rt('bombing: red team 3', 'beta feature of 20 installs, 1 install at 3x', BOMB, 93, 'prompt_bomber', 'rt3_bomb_beta_feature', 15, {
      tenant: 'initech-bank',
      offsetMs: 0,
      durationMs: HISTORY + 15 * MIN,
    }),
    rt('bombing: red team 3', '5 attackers on one /24 at 3x, new id and fingerprint every 3 min', BOMB, 94, 'prompt_bomber', 'rt3_bomb_subnet_rotation'),
    rt('token reuse: red team 3', '2 tokens, owner and thief (another carrier) overlapping streams', ['token_reuse'], 95, 'token_reuse', 'rt3_reuse_streams'),
    rt('token reuse: red team 3', '2 tokens used only from a datacenter abroad, owner idle', ['token_reuse'], 96, 'token_reuse', 'rt3_reuse_datacenter'),
    rt('stream abuse: red team 3', '3 installs, 2 zombie streams each trickling ~1.2 tok/s', ['stream_abuse'], 97, 'stream_abuse', 'rt3_zombie_trickle', 40),
    rt('cost: red team 3', 'iOS-only release, chat context 2.5x', ['cost_anomalies'], 98, 'cost_spike', 'rt3_cost_ios_release', 20),
    ...(['rt3_benign_school', 'rt3_benign_tv_ad'] as const).map((kind, i) => lookAlike('benign: red team 3', kind.replace('rt3_benign_', ''), 99 + i, kind)),
    ...(['benign_marketing_push', 'benign_cgnat', 'benign_commuters', 'benign_early_adopters'] as const).map((kind, i) =>
      lookAlike('benign: red team', kind.replace('benign_', ''), 69 + i, kind),
    ),
    // The app launches in a new country: 600 new installs on its carriers, which none of the tenant's users are on.
    lookAlike('benign: red team', 'launch in a new country', 133, 'benign_country_launch'),
    // The commuters again, on a carrier the gateway cannot place (ASN 0, country ZZ): an unknown is no second place.
    lookAlike('benign: red team', 'commuters on a carrier the gateway cannot place', 131, 'benign_commuters_unplaced'),
  ]
  return [...redteam, ...redTeam4Grid(), ...redTeam5Grid(), ...redTeam6Grid(), ...redTeam7Grid(), ...redTeam8Grid(), ...redTeam9Grid()]
}
