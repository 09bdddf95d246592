// Offline support: registers the service worker (see sw.ts). Filled in with the service
// worker itself.
export function registerOffline(): void {}
