export const THEME_KEY = 'burnrate-theme'
export type Theme = 'dark' | 'light'

/** Runs before first paint (inlined in <head>) so a light-theme user never sees a dark flash. */
export const themeBootScript = `try{var t=localStorage.getItem('${THEME_KEY}');if(t==='light'||t==='dark')document.documentElement.dataset.theme=t}catch(e){}`
