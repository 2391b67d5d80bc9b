// Writes points.json: 100,000 mixed points from a fixed seed, read by both this peer benchmark and
// benchmarks/Cohort.Benchmarks/LineProtocolBenchmarks.cs, so both serialize the same data.
//   node generate.mjs [count] [path]
import { writeFileSync } from 'node:fs';

const count = Number(process.argv[2] ?? 100_000);
const path = process.argv[3] ?? new URL('./points.json', import.meta.url);

// mulberry32: a small deterministic PRNG (seed 20261123).
let state = 20261123 >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (items) => items[Math.floor(random() * items.length)];

const houses = Array.from({ length: 20 }, (_, i) => `h${i + 1}`);
const participants = Array.from({ length: 50 }, (_, i) => `p${String(i + 1).padStart(3, '0')}`);
const rooms = ['living room', 'kitchen', 'bed,room', 'hall'];
const notes = ['ok', 'slept "fine"', 'tired, woke twice', 'C:\\temp', 'ça va', '良い'];
const start = 1_700_000_000_000_000_000n;

const points = [];
for (let i = 0; i < count; i++) {
  const ts = (start + BigInt(i) * 1_000_000_000n).toString();
  const kind = i % 4;
  if (kind === 0) {
    points.push({ m: 'power', t: { house: pick(houses), device: pick(['pv', 'grid', 'battery']) },
      f: { watts: { k: 'float', v: Math.round((random() * 6000 - 1000) * 1000) / 1000 },
           energy: { k: 'int', v: Math.floor(random() * 10_000_000) }, ok: { k: 'bool', v: random() < 0.9 } }, ts });
  } else if (kind === 1) {
    points.push({ m: 'thermostat', t: { house: pick(houses), room: pick(rooms) },
      f: { temp: { k: 'float', v: 15 + random() * 10 }, setpoint: { k: 'int', v: 18 + Math.floor(random() * 5) },
           mode: { k: 'string', v: pick(['heat', 'eco', 'off']) } }, ts });
  } else if (kind === 2) {
    points.push({ m: 'steps', t: { participant: pick(participants), study: 'activity' },
      f: { count: { k: 'uint', v: Math.floor(random() * 30_000) }, battery: { k: 'float', v: random() } }, ts });
  } else {
    points.push({ m: 'survey', t: { participant: pick(participants), study: 'sleep', form: 'daily' },
      f: { score: { k: 'int', v: 1 + Math.floor(random() * 5) }, note: { k: 'string', v: pick(notes) },
           done: { k: 'bool', v: random() < 0.5 } }, ts });
  }
}

writeFileSync(path, JSON.stringify(points));
console.log(`wrote ${points.length} points to ${path instanceof URL ? path.pathname : path}`);
