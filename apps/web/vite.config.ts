// Builds the web app into dist/, which the gateway serves at http://localhost:8080.
// `npm run dev -w apps/web` serves it with hot reload and proxies the API to a running gateway.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@ticketing/source'] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
  server: { proxy: { '/api': gateway, '/actuator': gateway } },
});
