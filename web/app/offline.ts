/// <reference types="vite/client" />
// Offline support and cross-origin isolation on any static host: registers the service
// worker (sw.ts, built to sw.js next to index.html), which precaches the app and adds
// COOP/COEP to what it serves.

const RELOADED = 'parquetry-isolation-reload';

export function registerOffline(): void {
  // Production builds only: in `vite dev` the files are not hashed and change on every edit,
  // and the dev server sends COOP/COEP itself.
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const base = import.meta.env.BASE_URL;
  navigator.serviceWorker.register(`${base}sw.js`, { scope: base }).catch((e: unknown) => console.warn('parquetry: no service worker, so no offline use:', e));

  if (crossOriginIsolated) {
    sessionStorage.removeItem(RELOADED);
    return;
  }
  // Not isolated yet: the headers come from the service worker, which only answers the loads
  // after it took control. Reload once then; the session flag stops a loop where isolation
  // cannot happen (a browser without support, or a hard reload that bypasses the worker).
  // Files already in the queue would be lost, so the reload waits for the next visit then.
  const reload = () => {
    if (sessionStorage.getItem(RELOADED) || document.querySelector('#queue li')) return;
    sessionStorage.setItem(RELOADED, '1');
    location.reload();
  };
  if (navigator.serviceWorker.controller) reload();
  else navigator.serviceWorker.addEventListener('controllerchange', reload, { once: true });
}
