import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The app is loaded by the Tauri webview, offline: everything is bundled, nothing remote.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "safari16", outDir: "dist", emptyOutDir: true },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
  },
});
