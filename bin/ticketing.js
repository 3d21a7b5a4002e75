#!/usr/bin/env node
// The `ticketing` command; the code lives in packages/runtime (run `npm run build` first).
import { main } from '@ticketing/runtime';

await main(process.argv.slice(2));
