// Peer benchmark for Cohort.Formulas (see docs/performance.md, section Formulas).
// Usage: npm ci && node bench.js
const { performance } = require('node:perf_hooks');
const math = require('mathjs');
const { Parser } = require('expr-eval');

const ROWS = 1_000_000;
let seed = 42;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const a = new Float64Array(ROWS), b = new Float64Array(ROWS), c = new Float64Array(ROWS);
for (let i = 0; i < ROWS; i++) { a[i] = rand() * 20 - 10; b[i] = rand() * 20 - 10; c[i] = rand() * 20 - 10; }
const out = new Float64Array(ROWS);

const formulas = {
  small: 'max(a, 0) + 0.5 * b - min(c, 0)',
  large: 'max(a, 0) * 2 + abs(b - c) / 3 - min(c, 1) * 0.25 + sqrt(abs(a)) + b * c',
};

function time(name, run) {
  for (let w = 0; w < 3; w++) run();
  const samples = [];
  for (let r = 0; r < 5; r++) { const t0 = performance.now(); run(); samples.push(performance.now() - t0); }
  samples.sort((x, y) => x - y);
  console.log(`${name.padEnd(24)} median ${samples[2].toFixed(1)} ms`);
}

for (const [size, text] of Object.entries(formulas)) {
  const mjs = math.compile(text);
  const scope = { a: 0, b: 0, c: 0 };
  time(`mathjs ${size}`, () => {
    for (let i = 0; i < ROWS; i++) { scope.a = a[i]; scope.b = b[i]; scope.c = c[i]; out[i] = mjs.evaluate(scope); }
  });
  const fn = new Parser().parse(text).toJSFunction('a,b,c');
  time(`expr-eval ${size}`, () => {
    for (let i = 0; i < ROWS; i++) out[i] = fn(a[i], b[i], c[i]);
  });
}
