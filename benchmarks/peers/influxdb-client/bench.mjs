// Serializes every point of points.json with @influxdata/influxdb-client, the way its README shows:
// new Point(m).tag(...).floatField(...)...timestamp(ts).toLineProtocol(). Prints points/s (best and median of runs).
//   npm install && npm run generate && npm run bench
import { readFileSync } from 'node:fs';
import { Point } from '@influxdata/influxdb-client';

const records = JSON.parse(readFileSync(new URL('./points.json', import.meta.url), 'utf8'));

function serializeAll() {
  let bytes = 0;
  for (const r of records) {
    const p = new Point(r.m);
    for (const [k, v] of Object.entries(r.t)) p.tag(k, v);
    for (const [k, f] of Object.entries(r.f)) {
      switch (f.k) {
        case 'float': p.floatField(k, f.v); break;
        case 'int': p.intField(k, f.v); break;
        case 'uint': p.uintField(k, f.v); break;
        case 'bool': p.booleanField(k, f.v); break;
        default: p.stringField(k, f.v); break;
      }
    }
    p.timestamp(r.ts);
    bytes += p.toLineProtocol().length + 1;
  }
  return bytes;
}

const warmups = 5;
const runs = 15;
for (let i = 0; i < warmups; i++) serializeAll();
const rates = [];
let checksum = 0;
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  checksum += serializeAll();
  const ns = Number(process.hrtime.bigint() - t0);
  rates.push(records.length / (ns / 1e9));
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)];
const best = rates[rates.length - 1];
console.log(`@influxdata/influxdb-client ${JSON.parse(readFileSync(new URL('./node_modules/@influxdata/influxdb-client/package.json', import.meta.url), 'utf8')).version}, node ${process.version}`);
console.log(`points: ${records.length}, runs: ${runs} (after ${warmups} warm-ups), checksum ${checksum}`);
console.log(`median: ${Math.round(median).toLocaleString('en-US')} points/s (${(1e9 / median).toFixed(0)} ns/point)`);
console.log(`best:   ${Math.round(best).toLocaleString('en-US')} points/s (${(1e9 / best).toFixed(0)} ns/point)`);
