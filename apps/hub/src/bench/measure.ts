import { readFileSync } from 'node:fs';

/** Latency samples in milliseconds → percentiles. */
export function percentiles(samples: number[]): { p50: number; p95: number; p99: number; max: number } {
  if (samples.length === 0) return { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1]! };
}

/** CPU seconds (user+system) and peak RSS (MiB) of a live process, from /proc (Linux). */
export function procStats(pid: number): { cpuSeconds: number; peakRssMiB: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return { cpuSeconds: ticks / 100, peakRssMiB: Number(hwm ?? 0) / 1024 };
  } catch {
    return undefined;
  }
}

/** This process's CPU seconds and peak RSS. */
export function selfStats(): { cpuSeconds: number; peakRssMiB: number } {
  const u = process.resourceUsage();
  return { cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6, peakRssMiB: u.maxRSS / 1024 };
}

export interface Row {
  scenario: string;
  system: string;
  messages: number;
  seconds: number;
  rate: number;
  p50: number;
  p95: number;
  p99: number;
  cpu: string;
  rss: string;
  note?: string;
}

export function printTable(rows: Row[]): void {
  const head = [
    'scenario',
    'system',
    'messages',
    'seconds',
    'msg/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'CPU s',
    'peak RSS MiB',
    'note',
  ];
  const body = rows.map((r) => [
    r.scenario,
    r.system,
    String(r.messages),
    r.seconds.toFixed(2),
    r.rate.toFixed(0),
    r.p50.toFixed(2),
    r.p95.toFixed(2),
    r.p99.toFixed(2),
    r.cpu,
    r.rss,
    r.note ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
}
