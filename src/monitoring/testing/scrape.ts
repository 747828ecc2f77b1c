// Test helper: scrape an exposition and read it with a real parser (parse-prometheus-text-format, a
// port of the Prometheus Python client's parser), never with regexes over the text.

import parse from 'parse-prometheus-text-format';

export interface Scraped {
  text: string;
  /** Sum of a family's samples whose labels include `match`. */
  sum(name: string, match?: Record<string, string>): number;
  /** Samples of a family. */
  samples(name: string): Array<{ value: number; labels: Record<string, string> }>;
  names(): string[];
}

export function readExposition(text: string): Scraped {
  const families = parse(text);
  const byName = new Map(families.map((f) => [f.name, f]));
  const samples = (name: string) => (byName.get(name)?.metrics ?? []).map((m) => ({ value: Number(m.value), labels: m.labels ?? {} }));
  return {
    text,
    samples,
    names: () => [...byName.keys()],
    sum: (name, match = {}) =>
      samples(name)
        .filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v))
        .reduce((n, s) => n + s.value, 0),
  };
}

export async function scrape(baseUrl: string): Promise<Scraped> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return readExposition(await res.text());
}
