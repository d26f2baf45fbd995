'use client'
import { useEffect, useState } from 'react'
import { THEME_KEY, type Theme } from './theme'

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>('dark')
  useEffect(() => setTheme(document.documentElement.dataset.theme === 'light' ? 'light' : 'dark'), [])
  const toggle = () => {
    const next: Theme = theme === 'dark' ? 'light' : 'dark'
    document.documentElement.dataset.theme = next
    try {
      localStorage.setItem(THEME_KEY, next)
    } catch {
      // private mode: the choice lasts for this page only
    }
    setTheme(next)
  }
  return (
    <button type="button" className="btn icon" onClick={toggle} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} title="Toggle theme">
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  )
}
