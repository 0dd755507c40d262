#!/usr/bin/env node
// Entry point for `npx tsredis-server`: runs the compiled server (build with `npm run build`).
import '../dist/node/src/main.js';
