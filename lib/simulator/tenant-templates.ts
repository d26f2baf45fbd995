import type { Tenant } from './population'

/** The simulated tenants: apps, versions, features with their models and context sizes, countries and platform mix. */
export const TENANT_TEMPLATES: readonly Tenant[] = [
  {
    id: 'acme-fitness',
    appId: 'com.acme.fitness',
    versions: ['4.11.0', '4.12.1', '4.13.0'],
    versionWeights: [0.15, 0.35, 0.5],
    features: [
      { name: 'chat_assistant', model: 'gpt-4o-mini', weight: 0.55 },
      { name: 'summarize', model: 'gemini-2.5-flash', weight: 0.25 },
      { name: 'image_caption', model: 'gpt-4o', weight: 0.2 },
    ],
    countries: [
      ['US', 0.45],
      ['GB', 0.15],
      ['DE', 0.1],
      ['CA', 0.1],
      ['AU', 0.08],
      ['BR', 0.12],
    ],
    iosShare: 0.55,
  },
  {
    id: 'globex-travel',
    appId: 'com.globex.travel',
    versions: ['2.7.3', '2.8.0'],
    versionWeights: [0.4, 0.6],
    features: [
      { name: 'chat_assistant', model: 'claude-haiku-4', weight: 0.45 },
      { name: 'translate', model: 'gpt-4.1-mini', weight: 0.35 },
      { name: 'search_qa', model: 'gemini-2.5-flash', weight: 0.2 },
    ],
    countries: [
      ['US', 0.3],
      ['GB', 0.15],
      ['FR', 0.15],
      ['ES', 0.1],
      ['DE', 0.1],
      ['JP', 0.12],
      ['MX', 0.08],
    ],
    iosShare: 0.5,
  },
  {
    id: 'initech-bank',
    appId: 'com.initech.bank',
    versions: ['7.2.0', '7.3.0', '7.3.2'],
    versionWeights: [0.2, 0.3, 0.5],
    features: [
      { name: 'chat_assistant', model: 'gpt-4.1', weight: 0.6 },
      { name: 'search_qa', model: 'claude-sonnet-4', weight: 0.25 },
      { name: 'summarize', model: 'gpt-4o-mini', weight: 0.15 },
    ],
    countries: [
      ['US', 0.7],
      ['CA', 0.2],
      ['MX', 0.1],
    ],
    iosShare: 0.6,
  },
  {
    id: 'umbrella-health',
    appId: 'com.umbrella.health',
    versions: ['1.19.4', '1.20.0'],
    versionWeights: [0.3, 0.7],
    features: [
      { name: 'chat_assistant', model: 'claude-sonnet-4', weight: 0.5 },
      { name: 'summarize', model: 'gemini-2.5-pro', weight: 0.3 },
      { name: 'translate', model: 'llama-3.1-70b', weight: 0.2 },
    ],
    countries: [
      ['US', 0.4],
      ['GB', 0.2],
      ['IN', 0.2],
      ['DE', 0.1],
      ['NL', 0.1],
    ],
    iosShare: 0.45,
  },
  {
    id: 'hooli-news',
    appId: 'com.hooli.news',
    versions: ['5.0.2', '5.1.0', '5.1.1'],
    versionWeights: [0.1, 0.3, 0.6],
    features: [
      { name: 'chat_assistant', model: 'gpt-4o-mini', weight: 0.3 },
      { name: 'summarize', model: 'gpt-4o-mini', weight: 0.4 },
      { name: 'search_qa', model: 'gpt-4o', weight: 0.2 },
      { name: 'image_caption', model: 'gemini-2.5-flash', weight: 0.1 },
    ],
    countries: [
      ['US', 0.3],
      ['IN', 0.3],
      ['BR', 0.2],
      ['JP', 0.2],
    ],
    iosShare: 0.35,
  },
]
