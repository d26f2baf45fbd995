import { defineConfig } from '@playwright/test'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * E2E against the built app in the embedded default: a fresh DATA_DIR is
 * seeded with simulator traffic through the real ingest path (tests/e2e/seed.ts,
 * which also writes the expected numbers from direct queries), then the app
 * starts on it with the simulator live. Values are chosen once in the main
 * process and inherited by workers through the environment.
 */
process.env.E2E_PORT ??= String(3300 + Math.floor(Math.random() * 600))
process.env.E2E_DATA_DIR ??= join(tmpdir(), `burnrate-e2e-${Date.now().toString(36)}`)
// Specs sign in with this password (tests/e2e/controls.spec.ts reads it from the environment too).
process.env.BURNRATE_ADMIN_PASSWORD ??= 'e2e-admin-password'
const port = Number(process.env.E2E_PORT)

export const E2E_ENV = {
  DATA_DIR: process.env.E2E_DATA_DIR,
  PORT: String(port),
  INGEST_SOURCE: 'simulator',
  SIM_SEED: '4242',
  SIM_RATE: '30',
  SIM_INSTALLS: '800',
  SIM_BACKFILL_MINUTES: '45',
  SESSION_SECRET: 'e2e-session-secret-0123456789abcdef-xyz',
  BURNRATE_ADMIN_PASSWORD: process.env.BURNRATE_ADMIN_PASSWORD,
  DETECT_INTERVAL_MS: '15000',
  AUTH_COOKIE_SECURE: '0',
  EXPECTED_FILE: join(process.cwd(), 'test-results', 'e2e-expected.json'),
}

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-results/e2e-artifacts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1280, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    acceptDownloads: true,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    // Seed, then `npm start` (builds if the build is stale, then next start).
    command: 'npx tsx tests/e2e/seed.ts && node scripts/start.mjs',
    url: `http://127.0.0.1:${port}/signin`,
    timeout: 900_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: E2E_ENV as Record<string, string>,
  },
})
