/**
 * Why each own property added to an Express request costs microseconds (bench/http/RESULTS.md):
 * Express gives every request a new prototype (`Object.setPrototypeOf(req, app.request)` in
 * `app.handle`), and V8 does not share the hidden class of properties added after that between
 * objects — every add builds a new map and copies the object's descriptors, where the same add on
 * an object whose prototype was never changed reuses one cached transition.
 *
 * A diagnostic, not a target of issue 19 (no peer: the cost is V8's, every Express app pays it).
 * One run, alternating rounds, medians of per-round figures:
 *   npx tsx bench/http/prototype-maps.ts [--rounds 9] [--objects 20000] [--props 40]
 * `--props`: own properties each object has before the adds (an Express request has about 40).
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    objects: { type: 'string', default: '20000' },
    props: { type: 'string', default: '40' },
  },
});
const rounds = Number(values.rounds);
const objects = Number(values.objects);
const props = Number(values.props);

// Objects shaped like a request: `props` own properties set in the same order by one constructor.
const names = Array.from({ length: props }, (_, i) => `p${i}`);
const Shaped = new Function(names.map((name, i) => `this.${name} = ${i};`).join('\n')) as unknown as new () => Record<string, unknown>;
const appPrototype = Object.create(Shaped.prototype) as object;
const STORE = Symbol('store');

/** ns per object: build it, maybe change its prototype, then (`adds`) add two properties as requestContext() did. */
function measure(changePrototype: boolean, adds: boolean): number {
  const kept: object[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < objects; i++) {
    const object = new Shaped();
    if (changePrototype) Object.setPrototypeOf(object, appPrototype);
    if (adds) {
      object.requestId = 'id';
      (object as Record<symbol, unknown>)[STORE] = i;
    }
    kept.push(object);
  }
  const elapsed = Number(process.hrtime.bigint() - started);
  if (kept.length !== objects) throw new Error('unreachable');
  return elapsed / objects;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const addsPlain: number[] = [];
const addsChanged: number[] = [];
const differences: number[] = [];
for (let round = 0; round < rounds + 1; round++) {
  const order = round % 2 === 0 ? [false, true] : [true, false];
  const cost: Record<string, number> = {};
  // What the adds cost: the same loop with them, minus without them.
  for (const changed of order) cost[String(changed)] = measure(changed, true) - measure(changed, false);
  if (round === 0) continue; // warm-up
  addsPlain.push(cost.false!);
  addsChanged.push(cost.true!);
  differences.push(cost.true! - cost.false!);
}
console.log(`two property adds on an object with ${props} own properties, ${objects} objects, ${rounds} rounds (median ns per object):`);
console.log(`  prototype never changed: ${median(addsPlain).toFixed(0)} ns`);
console.log(`  after Object.setPrototypeOf (what Express does to every request): ${median(addsChanged).toFixed(0)} ns`);
// The plain adds cost tens of ns, inside the loop's own noise: a difference reads better than a ratio.
console.log(`  difference (median of per-round differences): ${median(differences).toFixed(0)} ns per object`);
