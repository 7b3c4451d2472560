import { rollup } from 'rollup';
import { writeFileSync } from 'node:fs';
const cfgMod = await import(process.cwd() + '/rollup.config.mjs');
const cfg = cfgMod.default.find((c) => c.output?.format === 'iife');
const bundle = await rollup({ input: cfg.input, plugins: cfg.plugins, onwarn() {} });
const { output } = await bundle.generate({ ...cfg.output, plugins: [], file: undefined });
writeFileSync('/tmp/size/raw.js', output[0].code);
