// A minimal MaxMind DB (format 2.0) writer, enough to build small GeoIP test databases that the
// geoip ingest processor can read. Follows the public MaxMind DB spec: an IPv6 search tree with
// 32-bit records, a data section of typed values, then the metadata map after a marker.
// No pointers/deduplication and no overlapping networks: test databases hold a handful of ranges.

export type MmdbValue = string | number | boolean | MmdbValue[] | { [key: string]: MmdbValue } | { uint: number } | { uint16: number } | { double: number };

export interface MmdbNetwork {
  /** CIDR such as `203.0.113.0/24` or `2001:db8::/32`. */
  cidr: string;
  data: { [key: string]: MmdbValue };
}

export interface MmdbOptions {
  databaseType: string;
  description: string;
  languages?: string[];
  /** Fixed so the output is byte-for-byte reproducible. */
  buildEpoch?: number;
}

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com', 'latin1')]);

/** Parses an IPv4 or IPv6 CIDR into 128 bits (IPv4 lives at ::a.b.c.d, as readers expect). */
export function cidrToBits(cidr: string): { bits: number[]; prefix: number } {
  const [addr, len] = cidr.split('/');
  if (addr === undefined) throw new Error(`bad CIDR ${cidr}`);
  const bytes = Buffer.alloc(16);
  let prefix: number;
  if (addr.includes('.')) {
    const parts = addr.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 in ${cidr}`);
    parts.forEach((p, i) => (bytes[12 + i] = p));
    prefix = 96 + Number(len ?? 32);
  } else {
    const [head = '', tail] = addr.split('::');
    const h = head === '' ? [] : head.split(':');
    const t = tail === undefined || tail === '' ? [] : tail.split(':');
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    if (groups.length !== 8) throw new Error(`bad IPv6 in ${cidr}`);
    groups.forEach((g, i) => bytes.writeUInt16BE(parseInt(g, 16), i * 2));
    prefix = Number(len ?? 128);
  }
  const bits: number[] = [];
  for (let i = 0; i < 128; i++) bits.push(((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1);
  return { bits, prefix };
}

function ctrl(type: number, size: number): Buffer {
  const head: number[] = [];
  let sizeBits: number;
  let extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 285) { sizeBits = 29; extra = [size - 29]; }
  else if (size < 65821) { sizeBits = 30; const s = size - 285; extra = [s >> 8, s & 0xff]; }
  else { sizeBits = 31; const s = size - 65821; extra = [(s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff]; }
  if (type <= 7) head.push((type << 5) | sizeBits);
  else head.push(sizeBits, type - 7); // extended type: type byte follows the control byte
  return Buffer.from([...head, ...extra]);
}

function uintBytes(n: number): Buffer {
  const out: number[] = [];
  let v = BigInt(n);
  while (v > 0n) { out.unshift(Number(v & 0xffn)); v >>= 8n; }
  return Buffer.from(out);
}

export function encodeValue(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const b = Buffer.from(value, 'utf8');
    return Buffer.concat([ctrl(2, b.length), b]);
  }
  if (typeof value === 'boolean') return ctrl(14, value ? 1 : 0);
  if (typeof value === 'number') {
    // Plain numbers: unsigned ints as uint32 (or uint64 when large); anything else as double.
    if (Number.isInteger(value) && value >= 0) return encodeValue({ uint: value });
    return encodeValue({ double: value });
  }
  if (Array.isArray(value)) return Buffer.concat([ctrl(11, value.length), ...value.map(encodeValue)]);
  if ('uint' in value && typeof value.uint === 'number' && Object.keys(value).length === 1) {
    const b = uintBytes(value.uint);
    return Buffer.concat([ctrl(value.uint > 0xffffffff ? 9 : 6, b.length), b]);
  }
  if ('uint16' in value && typeof value.uint16 === 'number' && Object.keys(value).length === 1) {
    const b = uintBytes(value.uint16);
    return Buffer.concat([ctrl(5, b.length), b]);
  }
  if ('double' in value && typeof value.double === 'number' && Object.keys(value).length === 1) {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(value.double);
    return Buffer.concat([ctrl(3, 8), b]);
  }
  const entries = Object.entries(value as Record<string, MmdbValue>);
  return Buffer.concat([ctrl(7, entries.length), ...entries.flatMap(([k, v]) => [encodeValue(k), encodeValue(v)])]);
}

type Child = { node: TreeNode } | { data: number } | null;
interface TreeNode { children: [Child, Child] }

/** Builds the database bytes. */
export function writeMmdb(networks: MmdbNetwork[], options: MmdbOptions): Buffer {
  const root: TreeNode = { children: [null, null] };
  const dataParts: Buffer[] = [];
  let dataLen = 0;
  for (const net of networks) {
    const { bits, prefix } = cidrToBits(net.cidr);
    const encoded = encodeValue(net.data);
    const offset = dataLen;
    dataParts.push(encoded);
    dataLen += encoded.length;
    let node = root;
    for (let i = 0; i < prefix; i++) {
      const bit = bits[i] as 0 | 1;
      const child = node.children[bit];
      if (i === prefix - 1) {
        if (child !== null) throw new Error(`overlapping network ${net.cidr}`);
        node.children[bit] = { data: offset };
      } else if (child === null) {
        const next: TreeNode = { children: [null, null] };
        node.children[bit] = { node: next };
        node = next;
      } else if ('node' in child) node = child.node;
      else throw new Error(`overlapping network ${net.cidr}`);
    }
  }
  // Number the nodes breadth-first; the root must be node 0.
  const order: TreeNode[] = [];
  const index = new Map<TreeNode, number>();
  const queue: TreeNode[] = [root];
  while (queue.length > 0) {
    const n = queue.shift() as TreeNode;
    index.set(n, order.length);
    order.push(n);
    for (const c of n.children) if (c !== null && 'node' in c) queue.push(c.node);
  }
  const nodeCount = order.length;
  const tree = Buffer.alloc(nodeCount * 8);
  const record = (c: Child): number => (c === null ? nodeCount : 'node' in c ? (index.get(c.node) as number) : nodeCount + 16 + c.data);
  order.forEach((n, i) => {
    tree.writeUInt32BE(record(n.children[0]), i * 8);
    tree.writeUInt32BE(record(n.children[1]), i * 8 + 4);
  });
  const metadata = encodeValue({
    node_count: { uint: nodeCount },
    record_size: { uint16: 32 },
    ip_version: { uint16: 6 },
    database_type: options.databaseType,
    languages: options.languages ?? ['en'],
    binary_format_major_version: { uint16: 2 },
    binary_format_minor_version: { uint16: 0 },
    build_epoch: { uint: options.buildEpoch ?? 1_700_000_000 },
    description: { en: options.description },
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...dataParts, METADATA_MARKER, metadata]);
}
