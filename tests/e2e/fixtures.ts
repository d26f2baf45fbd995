import { test as base, expect, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { E2EExpected } from './seed'

export { expect }

export function expected(): E2EExpected {
  return JSON.parse(readFileSync(process.env.EXPECTED_FILE ?? join(process.cwd(), 'test-results', 'e2e-expected.json'), 'utf8')) as E2EExpected
}

/** The seeded window as URL parameters (paused: a fixed window is never live). */
export function windowQuery(e: E2EExpected, from = e.from): string {
  return `range=custom&from=${from}&to=${e.to}`
}

export async function shot(page: Page, name: string) {
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy=true]').length === 0, null, { timeout: 60_000 }).catch(() => {})
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true })
}

/** Text of a stat tile's value. */
export function tile(page: Page, id: string) {
  return page.locator(`[data-tile="${id}"] [data-value]`)
}

/** Every test runs signed in as the seeded admin (POST /api/auth/signin, the real sign-in). */
export const test = base.extend<{ signedIn: Page }>({
  signedIn: async ({ page, baseURL }, use) => {
    const res = await page.request.post('/api/auth/signin', {
      data: { username: 'admin', password: process.env.BURNRATE_ADMIN_PASSWORD ?? 'e2e-admin-password' },
      headers: { origin: baseURL! },
    })
    expect(res.ok(), await res.text()).toBeTruthy()
    await use(page)
  },
})
