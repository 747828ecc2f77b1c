// Builds small GeoIP City/Country/ASN test databases (documentation and well-known test ranges)
// so the geoip ingest processor can be exercised without downloading MaxMind data. Files are named
// like MaxMind's (GeoLite2-*.mmdb) because Elasticsearch 7.10 insists on exactly those names.
// Run directly: `tsx src/search-engine/geoip-test-db.ts OUT_DIR`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeMmdb, type MmdbValue } from './mmdb-writer.js';

interface Place {
  cidr: string;
  continent: [code: string, name: string, geonameId: number];
  country: [iso: string, name: string, geonameId: number];
  region?: [iso: string, name: string];
  city?: string;
  location: [lat: number, lon: number, timeZone?: string];
  asn?: [number: number, organization: string];
}

/** The ranges the tests rely on. Values are test fixtures, not real geography claims. */
export const TEST_PLACES: Place[] = [
  { cidr: '192.0.2.0/24', continent: ['NA', 'North America', 6255149], country: ['US', 'United States', 6252001], region: ['NV', 'Nevada'], city: 'Las Vegas', location: [36.17497, -115.13722, 'America/Los_Angeles'], asn: [64500, 'Documentation ASN'] },
  { cidr: '198.51.100.0/24', continent: ['EU', 'Europe', 6255148], country: ['SE', 'Sweden', 2661886], region: ['E', 'Östergötland County'], city: 'Linköping', location: [58.4167, 15.6167, 'Europe/Stockholm'], asn: [64501, 'Documentation ASN Two'] },
  { cidr: '81.2.69.0/24', continent: ['EU', 'Europe', 6255148], country: ['GB', 'United Kingdom', 2635167], region: ['ENG', 'England'], city: 'London', location: [51.5142, -0.0931, 'Europe/London'] },
  { cidr: '79.159.0.0/16', continent: ['EU', 'Europe', 6255148], country: ['ES', 'Spain', 2510769], location: [40.4172, -3.684], asn: [3352, 'Telefonica De Espana'] },
  { cidr: '2a02:cf40::/29', continent: ['EU', 'Europe', 6255148], country: ['NO', 'Norway', 3144096], location: [62, 10] },
  { cidr: '2001:db8::/32', continent: ['EU', 'Europe', 6255148], country: ['DE', 'Germany', 2921044], city: 'Berlin', region: ['BE', 'Land Berlin'], location: [52.5, 13.4, 'Europe/Berlin'], asn: [64502, 'Documentation ASN IPv6'] },
];

const names = (en: string): MmdbValue => ({ en });

function cityRecord(p: Place, withCity: boolean): { [key: string]: MmdbValue } {
  const rec: { [key: string]: MmdbValue } = {
    continent: { code: p.continent[0], geoname_id: { uint: p.continent[2] }, names: names(p.continent[1]) },
    country: { geoname_id: { uint: p.country[2] }, iso_code: p.country[0], names: names(p.country[1]) },
    registered_country: { geoname_id: { uint: p.country[2] }, iso_code: p.country[0], names: names(p.country[1]) },
  };
  if (!withCity) return rec;
  const location: { [key: string]: MmdbValue } = { accuracy_radius: { uint16: 100 }, latitude: { double: p.location[0] }, longitude: { double: p.location[1] } };
  if (p.location[2] !== undefined) location['time_zone'] = p.location[2];
  rec['location'] = location;
  if (p.city !== undefined) rec['city'] = { names: names(p.city) };
  if (p.region !== undefined) rec['subdivisions'] = [{ iso_code: p.region[0], names: names(p.region[1]) }];
  return rec;
}

/** Writes GeoLite2-City.mmdb, GeoLite2-Country.mmdb and GeoLite2-ASN.mmdb into `dir`; returns the paths. */
export function writeGeoipTestDatabases(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, Buffer]> = [
    ['GeoLite2-City.mmdb', writeMmdb(TEST_PLACES.map((p) => ({ cidr: p.cidr, data: cityRecord(p, true) })), { databaseType: 'GeoLite2-City', description: 'o365-audit test City database' })],
    ['GeoLite2-Country.mmdb', writeMmdb(TEST_PLACES.map((p) => ({ cidr: p.cidr, data: cityRecord(p, false) })), { databaseType: 'GeoLite2-Country', description: 'o365-audit test Country database' })],
    ['GeoLite2-ASN.mmdb', writeMmdb(TEST_PLACES.filter((p) => p.asn).map((p) => ({ cidr: p.cidr, data: { autonomous_system_number: { uint: p.asn?.[0] ?? 0 }, autonomous_system_organization: p.asn?.[1] ?? '' } })), { databaseType: 'GeoLite2-ASN', description: 'o365-audit test ASN database' })],
  ];
  return files.map(([name, bytes]) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  });
}

// Run as a script only when this very file is the entry: bundled into dist/cli.js, import.meta.url
// is the CLI's own, and argv[2] (a sub-command name) must not become a folder of test databases.
if (import.meta.url.endsWith('/geoip-test-db.ts') && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[2];
  if (out === undefined) {
    process.stderr.write('usage: geoip-test-db.ts OUT_DIR\n');
    process.exit(2);
  }
  for (const p of writeGeoipTestDatabases(out)) process.stdout.write(`${p}\n`);
}
