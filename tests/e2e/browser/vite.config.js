// The page is plain React with JSX compiled by Vite's own esbuild (no framework plugin needed).
export default {
  esbuild: { jsx: 'automatic' },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4096 },
  logLevel: 'warn',
};
