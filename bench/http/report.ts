/**
 * The tables and target lines of bench/http, from the per-round samples. Every ratio is the
 * median of per-round ratios (both sides measured in the same round), never a ratio of medians.
 */
import { median, type Sample } from './measure.js';
import type { LayerVariant } from './layers.js';

export interface MainVariant { name: string; kind: string; env: NodeJS.ProcessEnv; script?: string }

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const perRound = (a: Sample[], b: Sample[], f: (x: Sample, y: Sample) => number) => median(a.map((x, i) => f(x, b[i]!)));

export function mainTable(variants: MainVariant[], samples: Map<string, Sample[]>): string[] {
  const bare = samples.get('bare Express')!;
  const floor = samples.get('floor')!;
  return [
    '| variant | req/s | p50 ms | p99 ms | server CPU µs/req | req/s vs bare | req/s vs floor | p99 vs floor | capacity vs floor |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...variants.map((v) => {
      const s = samples.get(v.name)!;
      return `| ${v.name} | ${fmt(median(s.map((x) => x.rps)))} | ${median(s.map((x) => x.p50))} | ${median(s.map((x) => x.p99))} | ${fmt(median(s.map((x) => x.cpuUs)), 1)} | ${perRound(s, bare, (x, y) => x.rps / y.rps).toFixed(2)}× | ${perRound(s, floor, (x, y) => x.rps / y.rps).toFixed(2)}× | ${perRound(s, floor, (x, y) => x.p99 / Math.max(1, y.p99)).toFixed(2)}× | ${perRound(s, floor, (x, y) => y.cpuUs / x.cpuUs).toFixed(2)}× |`;
    }),
  ];
}

/** `--before`: the kit's stacks after / before, on capacity and req/s (medians of per-round ratios). */
export function beforeAfterLine(samples: Map<string, Sample[]>, tree: string): string {
  const parts = ['memory', 'Redis'].map((store) => {
    const after = samples.get(`kit full stack (${store})`)!;
    const before = samples.get(`kit full stack (${store}), before`)!;
    const capacity = perRound(after, before, (x, y) => y.cpuUs / x.cpuUs);
    const rps = perRound(after, before, (x, y) => x.rps / y.rps);
    return `${store} ${capacity.toFixed(3)}× capacity, ${rps.toFixed(3)}× req/s (CPU µs/req ${fmt(median(before.map((x) => x.cpuUs)), 1)} → ${fmt(median(after.map((x) => x.cpuUs)), 1)})`;
  });
  return `Kit stack after ÷ before (\`${tree}\`, same rounds): ${parts.join('; ')}.`;
}

export interface Target { name: string; ratio: number; op: '>=' | '<='; goal: number }

/**
 * The targets on req/s (`metric: 'rps'`), or the same ratios on server capacity (the
 * other side's CPU per request over this side's), which a busy host disturbs less.
 */
export function mainTargets(samples: Map<string, Sample[]>, metric: 'rps' | 'capacity' = 'rps'): Target[] {
  const get = (name: string) => samples.get(name)!;
  const rps = (a: string, b: string) => perRound(get(a), get(b), (x, y) => (metric === 'rps' ? x.rps / y.rps : y.cpuUs / x.cpuUs));
  return [
    { name: 'http-default-memory-vs-floor', ratio: rps('kit full stack (memory)', 'floor'), op: '>=', goal: 0.9 },
    { name: 'http-default-redis-vs-floor', ratio: rps('kit full stack (Redis)', 'floor'), op: '>=', goal: 0.8 },
    { name: 'http-default-p99-vs-floor', ratio: perRound(get('kit full stack (Redis)'), get('floor'), (x, y) => x.p99 / Math.max(1, y.p99)), op: '<=', goal: 1.3 },
    { name: 'http-default-memory-vs-bare', ratio: rps('kit full stack (memory)', 'bare Express'), op: '>=', goal: 0.6 },
    { name: 'http-kit-vs-peer-redis', ratio: rps('kit full stack (Redis)', 'peer stack (Redis)'), op: '>=', goal: 4 },
  ];
}

/** `target <name>: <ratio>x (goal <op> <value>) met|missed` — the machine-readable lines. */
export function targetLine(t: Target): string {
  const met = t.op === '>=' ? t.ratio >= t.goal : t.ratio <= t.goal;
  return `target ${t.name}: ${t.ratio.toFixed(2)}x (goal ${t.op} ${t.goal}) ${met ? 'met' : 'missed'}`;
}

/** Per-layer cost: the variant's CPU per request minus bare's in the same round. */
export function layerCosts(variant: Sample[], baselines: number[]): number[] {
  return variant.map((s, round) => s.cpuUs - baselines[round]!);
}

export function budgetTable(variants: LayerVariant[], samples: Map<string, Sample[]>, baselines: Map<string, number[]>, bare: number[]): string[] {
  const lines = [
    `Bare Express (budget app, \`POST /hello\`): **${fmt(median(bare), 1)} µs** server CPU per request (median of every bare run).`,
    '',
    '| layer | who | server CPU µs/req | cost over bare µs/req (median; range) | vs floor piece | vs best peer |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  const layers = [...new Set(variants.map((v) => v.layer))];
  for (const layer of layers) {
    const rows = variants.filter((v) => v.layer === layer && samples.has(v.id));
    const cost = (v: LayerVariant) => median(layerCosts(samples.get(v.id)!, baselines.get(v.id)!));
    const floor = rows.find((v) => v.group === 'floor');
    const peers = rows.filter((v) => v.group === 'peer');
    const bestPeer = peers.length > 0 ? Math.min(...peers.map(cost)) : undefined;
    for (const v of rows) {
      const costs = layerCosts(samples.get(v.id)!, baselines.get(v.id)!);
      const c = median(costs);
      const vsFloor = floor && v !== floor ? ratio(c, cost(floor)) : '';
      const vsPeer = bestPeer !== undefined && v.group !== 'peer' ? ratio(c, bestPeer) : '';
      lines.push(`| ${layer} | ${v.group}: ${v.label} | ${fmt(median(samples.get(v.id)!.map((s) => s.cpuUs)), 1)} | ${fmt(c, 1)} (${fmt(Math.min(...costs), 1)} – ${fmt(Math.max(...costs), 1)}) | ${vsFloor} | ${vsPeer} |`);
    }
  }
  return lines;
}

/** A cost ratio; a floor piece that costs nothing measurable gives "+N µs" instead. */
function ratio(cost: number, reference: number): string {
  if (reference < 0.5) return `${cost - reference >= 0 ? '+' : ''}${fmt(cost - reference, 1)} µs`;
  return `${(cost / reference).toFixed(2)}×`;
}

/** Layers whose kit cost is above the floor piece or the best peer, for item 4. */
export function overBudget(variants: LayerVariant[], samples: Map<string, Sample[]>, baselines: Map<string, number[]>): string[] {
  const out: string[] = [];
  for (const layer of new Set(variants.map((v) => v.layer))) {
    const rows = variants.filter((v) => v.layer === layer && samples.has(v.id));
    const cost = (v: LayerVariant) => median(layerCosts(samples.get(v.id)!, baselines.get(v.id)!));
    const kit = rows.find((v) => v.group === 'kit');
    const floor = rows.find((v) => v.group === 'floor');
    if (!kit) continue;
    const peers = rows.filter((v) => v.group === 'peer').map((v) => ({ v, c: cost(v) }));
    const best = peers.sort((a, b) => a.c - b.c)[0];
    const parts = [`kit ${fmt(cost(kit), 1)} µs`];
    if (floor) parts.push(`floor ${fmt(cost(floor), 1)} µs (kit ${fmt(Math.abs(cost(kit) - cost(floor)), 1)} µs ${cost(kit) >= cost(floor) ? 'above' : 'below'})`);
    if (best) parts.push(`best peer ${best.v.label} ${fmt(best.c, 1)} µs (kit ${fmt(Math.abs(cost(kit) - best.c), 1)} µs ${cost(kit) >= best.c ? 'above' : 'below'})`);
    out.push(`- ${layer}: ${parts.join('; ')}`);
  }
  return out;
}
