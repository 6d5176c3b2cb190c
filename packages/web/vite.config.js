import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console serves dist/ at / with CSP default-src 'self': no inline script, no CDN, no external font.
// `pnpm dev` proxies /v1 to a console on CONSOLE_URL (default http://127.0.0.1:7700).
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, modulePreload: { polyfill: false } },
  server: { proxy: { '/v1': { target: process.env.CONSOLE_URL ?? 'http://127.0.0.1:7700', changeOrigin: false } } },
});
