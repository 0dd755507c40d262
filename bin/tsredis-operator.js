#!/usr/bin/env node
// Entry point for `npx tsredis-operator`: runs the compiled operator (build with `npm run build`).
import '../dist/operator/src/main.js';
