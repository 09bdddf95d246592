// Entry point of the web app. The browser build (wasm engine in a Web Worker) and the app
// grow here; for now the page only states what parquetry is.
export {};
