import { expect, shot, test } from './fixtures'

/**
 * An admin adds a user from Settings, that user signs in with the role given
 * and sees no admin pages, the admin disables them and their session ends;
 * then the admin rotates the policy signing key. Both show in the audit log.
 */
test('admin manages a user and rotates the signing key from Settings', async ({ signedIn: page, browser, baseURL }) => {
  await page.goto('/')
  await page.getByRole('link', { name: 'Settings' }).click()
  await expect(page).toHaveURL(/\/settings/)

  const form = page.getByTestId('user-form')
  await form.getByLabel('User').fill('e2e-finance')
  await form.getByLabel('Display name').fill('Finance reviewer')
  await form.getByLabel('Role').selectOption('viewer')
  await expect(form.getByRole('button', { name: 'Add user' })).toBeDisabled() // no password yet
  await form.getByRole('button', { name: 'Generate' }).click()
  const password = await page.getByTestId('user-password').inputValue()
  expect(password.length).toBeGreaterThanOrEqual(12)
  await form.getByRole('button', { name: 'Add user' }).click()
  await expect(page.getByTestId('user-saved')).toContainText('Saved e2e-finance as viewer')
  await expect(page.getByTestId('user-saved-password')).toHaveText(password)
  const row = page.getByTestId('users-table').locator('tr[data-user="e2e-finance"]')
  await expect(row).toContainText('Finance reviewer')
  await expect(row).toContainText('active')

  // The new user signs in through the sign-in page, as a viewer: no admin pages.
  const other = await browser.newContext({ baseURL })
  const finance = await other.newPage()
  await finance.goto('/settings')
  await finance.getByLabel('User').fill('e2e-finance')
  await finance.getByLabel('Password').fill(password)
  await finance.getByRole('button', { name: 'Sign in' }).click()
  await expect(finance).toHaveURL(/\/settings$/)
  await expect(finance.getByText('Users and keys are managed by admins; you are signed in as viewer.')).toBeVisible()
  await expect(finance.getByRole('link', { name: 'Settings' })).toHaveCount(0)
  expect((await finance.request.get('/api/auth/users')).status()).toBe(403)

  // Disabled by the admin, the user's session ends at once.
  await row.getByRole('button', { name: 'Edit e2e-finance' }).click()
  await form.getByLabel(/Disabled/).check()
  await form.getByRole('button', { name: 'Save' }).click()
  await expect(page.getByTestId('user-saved')).toContainText('disabled')
  await expect(row).toContainText('disabled')
  await expect.poll(async () => (await finance.request.get('/api/auth/me')).status(), { timeout: 10_000 }).toBe(401)
  await other.close()

  // A single sign-on user kept out from Burnrate's side, then let back in (the provider is not asked).
  const sso = 'https://idp.e2e.test#alice'
  const ssoForm = page.getByTestId('oidc-user-form')
  await ssoForm.getByLabel('User id').fill('no-issuer')
  await expect(ssoForm.getByRole('button', { name: 'Disable' })).toBeDisabled()
  await ssoForm.getByLabel('User id').fill(sso)
  await ssoForm.getByRole('button', { name: 'Disable' }).click()
  const ssoRow = page.getByTestId('oidc-users-table').locator(`tr[data-user="${sso}"]`)
  await expect(ssoRow).toContainText('disabled')
  expect(((await (await page.request.get('/api/auth/oidc-users')).json()) as { users: { userId: string; disabled: boolean }[] }).users).toContainEqual({
    userId: sso,
    disabled: true,
  })
  await ssoRow.getByRole('button', { name: `Allow ${sso}` }).click()
  await expect(ssoRow).toContainText('allowed')

  // Key rotation: two steps, then a new signing key and the old one still verifying.
  const keys = page.getByTestId('keys-table')
  const before = await keys.locator('tbody tr').count()
  await page.getByRole('button', { name: 'Rotate signing key…' }).click()
  await page.getByRole('button', { name: 'Confirm rotation' }).click()
  await expect(page.getByTestId('rotate-result')).toContainText('Now signing with')
  await expect(keys.locator('tbody tr')).toHaveCount(before + 1)
  await expect(keys.getByText('signing', { exact: true })).toHaveCount(1)
  await expect(keys).toContainText('verifies until')
  await shot(page, 'settings')

  await page.goto('/audit')
  const audit = page.getByTestId('audit-table')
  await expect(audit.locator('tr', { hasText: 'auth.user_save' }).filter({ hasText: 'e2e-finance' }).first()).toContainText('admin')
  await expect(audit.locator('tr', { hasText: 'config.policy_key_rotate' }).first()).toContainText('admin')
})

/**
 * An admin declares the QA lab's network as test traffic: a full address is
 * cut to its /24, a network wider than /16 is refused with the reason, the
 * declaration is listed until removed, and both changes are audited.
 */
test('admin declares and removes test traffic from Settings', async ({ signedIn: page }) => {
  await page.goto('/settings')
  const form = page.getByTestId('test-source-form')
  await form.getByLabel('Kind').selectOption('network')
  await page.getByTestId('test-source-value').fill('10.0.0.0/8')
  await page.getByTestId('test-source-note').fill('e2e QA lab')
  await form.getByRole('button', { name: 'Declare' }).click()
  await expect(page.getByTestId('test-source-error')).toContainText('at most /16 wide')
  await page.getByTestId('test-source-value').fill('198.51.100.77')
  await form.getByRole('button', { name: 'Declare' }).click()
  const row = page.getByTestId('test-sources-table').locator('tr', { hasText: '198.51.100.0/24' })
  await expect(row).toContainText('e2e QA lab')
  await expect(row).toContainText('admin')
  await row.getByRole('button', { name: 'Remove network 198.51.100.0/24' }).click()
  await expect(page.getByTestId('test-sources-table').locator('tr', { hasText: '198.51.100.0/24' })).toHaveCount(0)

  await page.goto('/audit')
  const audit = page.getByTestId('audit-table')
  await expect(audit.locator('tr', { hasText: 'test_source.declare' }).first()).toContainText('198.51.100.0/24')
  await expect(audit.locator('tr', { hasText: 'test_source.remove' }).first()).toContainText('198.51.100.0/24')
})
