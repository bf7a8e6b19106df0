// The pages are plain React with JSX compiled by Vite's own esbuild (no framework plugin needed):
// index.html (Amplify's Authenticator) and passkey.html (Amplify's passkey APIs).
export default {
  esbuild: { jsx: 'automatic' },
  build: {
    target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: {
        index: new URL('./index.html', import.meta.url).pathname,
        passkey: new URL('./passkey.html', import.meta.url).pathname,
      },
    },
  },
  logLevel: 'warn',
};
