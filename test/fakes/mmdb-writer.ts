import { isIP } from 'node:net';

/**
 * A MaxMind DB writer for tests (format: https://maxmind.github.io/MaxMind-DB/), so suites build the
 * small databases they need instead of shipping binary fixtures. It writes what real databases
 * contain: a binary search tree with 24-, 28- or 32-bit records, a data section in which identical
 * records are stored once and repeated strings become pointers, and the metadata map.
 */

type ScalarType = 'uint16' | 'uint32' | 'int32' | 'uint64' | 'uint128' | 'double' | 'float';

/** A number stored with an explicit MMDB type; plain numbers become uint32, int32 or double. */
export interface MmdbTyped {
  readonly mmdbType: ScalarType;
  readonly value: number | bigint;
}

export function mmdbTyped(mmdbType: ScalarType, value: number | bigint): MmdbTyped {
  return { mmdbType, value };
}

export interface MmdbEntry {
  /** CIDR (`192.0.2.0/24`, `2001:db8::/32`) or a single address. */
  network: string;
  record: Record<string, unknown>;
}

export interface MmdbWriterOptions {
  /** 6 by default when any network is IPv6, 4 otherwise. IPv4 networks sit under ::/96 in IPv6 trees. */
  ipVersion?: 4 | 6;
  databaseType?: string;
  /** The smallest that fits by default; forcing one exercises the reader's other node layouts. */
  recordSize?: 24 | 28 | 32;
}

const TYPE = {
  pointer: 1,
  utf8: 2,
  double: 3,
  bytes: 4,
  uint16: 5,
  uint32: 6,
  map: 7,
  int32: 8,
  uint64: 9,
  uint128: 10,
  array: 11,
  boolean: 14,
  float: 15,
} as const;

const DATA_SECTION_SEPARATOR = 16;
const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');

/** Later entries win where networks overlap, as when a more specific range is inserted last. */
export function writeMmdb(entries: MmdbEntry[], options: MmdbWriterOptions = {}): Buffer {
  const networks = entries.map((entry) => parseNetwork(entry.network));
  const ipVersion = options.ipVersion ?? (networks.some((network) => network.bytes.length === 16) ? 6 : 4);
  const data = new DataSection(true);
  const root: TreeNode = { children: [undefined, undefined] };
  networks.forEach((network, index) => {
    insert(
      root,
      widen(network, ipVersion, entries[index]!.network),
      data.writeRecord(entries[index]!.record),
    );
  });

  const nodes = numberNodes(root);
  const dataBytes = data.bytes();
  const largestRecord = nodes.length + DATA_SECTION_SEPARATOR + dataBytes.length;
  const recordSize = options.recordSize ?? ([24, 28, 32] as const).find((bits) => largestRecord < 2 ** bits)!;
  if (largestRecord >= 2 ** recordSize)
    throw new Error(`${recordSize}-bit records cannot address this database`);

  const index = new Map(nodes.map((node, position) => [node, position]));
  const recordValue = (child: Child): number =>
    child === undefined
      ? nodes.length
      : typeof child === 'number'
        ? nodes.length + DATA_SECTION_SEPARATOR + child
        : index.get(child)!;
  const nodeBytes = recordSize / 4;
  const tree = Buffer.alloc(nodes.length * nodeBytes);
  nodes.forEach((node, position) => {
    writeNode(
      tree,
      position * nodeBytes,
      recordSize,
      recordValue(node.children[0]),
      recordValue(node.children[1]),
    );
  });

  const metadata = new DataSection(false);
  metadata.write({
    binary_format_major_version: mmdbTyped('uint16', 2),
    binary_format_minor_version: mmdbTyped('uint16', 0),
    build_epoch: mmdbTyped('uint64', BigInt(Math.floor(Date.now() / 1000))),
    database_type: options.databaseType ?? 'Beacon-Test',
    description: { en: 'Written by test/fakes/mmdb-writer.ts' },
    ip_version: mmdbTyped('uint16', ipVersion),
    languages: ['en'],
    node_count: mmdbTyped('uint32', nodes.length),
    record_size: mmdbTyped('uint16', recordSize),
  });
  return Buffer.concat([
    tree,
    Buffer.alloc(DATA_SECTION_SEPARATOR),
    dataBytes,
    METADATA_MARKER,
    metadata.bytes(),
  ]);
}

/** A child is another node, a data-section offset, or nothing (no data for that range). */
type Child = TreeNode | number | undefined;
interface TreeNode {
  children: [Child, Child];
}

interface Network {
  bytes: Uint8Array;
  prefix: number;
}

function parseNetwork(network: string): Network {
  const [address = '', prefixText] = network.split('/');
  const version = isIP(address);
  if (version === 0) throw new Error(`not a network: ${network}`);
  const bytes = version === 4 ? new Uint8Array(address.split('.').map(Number)) : ipv6Bytes(address);
  const prefix = prefixText === undefined ? bytes.length * 8 : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 1 || prefix > bytes.length * 8)
    throw new Error(`bad prefix: ${network}`);
  return { bytes, prefix };
}

function ipv6Bytes(address: string): Uint8Array {
  let text = address;
  const embedded = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (embedded) {
    const [a, b, c, d] = embedded.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, embedded.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return new Uint8Array(all.flatMap((group) => [group >> 8, group & 0xff]));
}

function widen(network: Network, ipVersion: 4 | 6, text: string): Network {
  if (network.bytes.length === 16 && ipVersion === 4)
    throw new Error(`IPv6 network in an IPv4 database: ${text}`);
  if (network.bytes.length === 16 || ipVersion === 4) return network;
  const bytes = new Uint8Array(16);
  bytes.set(network.bytes, 12);
  return { bytes, prefix: network.prefix + 96 };
}

function bitAt(bytes: Uint8Array, index: number): 0 | 1 {
  return ((bytes[index >> 3]! >> (7 - (index & 7))) & 1) as 0 | 1;
}

function insert(root: TreeNode, network: Network, dataOffset: number): void {
  let node = root;
  for (let depth = 0; depth < network.prefix - 1; depth++) {
    const bit = bitAt(network.bytes, depth);
    let child = node.children[bit];
    if (typeof child !== 'object') {
      // Splitting a wider range: both halves keep its data until the narrower entry overwrites one.
      child = { children: [child, child] };
      node.children[bit] = child;
    }
    node = child;
  }
  node.children[bitAt(network.bytes, network.prefix - 1)] = dataOffset;
}

/** Readers start at node 0, so the root must come first; the order of the rest is free. */
function numberNodes(root: TreeNode): TreeNode[] {
  const nodes: TreeNode[] = [];
  const pending = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    nodes.push(node);
    for (const child of node.children) if (typeof child === 'object') pending.push(child);
  }
  return nodes;
}

function writeNode(
  tree: Buffer,
  offset: number,
  recordSize: 24 | 28 | 32,
  left: number,
  right: number,
): void {
  if (recordSize === 24) {
    tree.writeUIntBE(left, offset, 3);
    tree.writeUIntBE(right, offset + 3, 3);
  } else if (recordSize === 28) {
    tree.writeUIntBE(left & 0xffffff, offset, 3);
    tree[offset + 3] = ((left >>> 24) << 4) | (right >>> 24);
    tree.writeUIntBE(right & 0xffffff, offset + 4, 3);
  } else {
    tree.writeUInt32BE(left, offset);
    tree.writeUInt32BE(right, offset + 4);
  }
}

class DataSection {
  private buffer = Buffer.alloc(1024);
  private length = 0;
  private readonly strings = new Map<string, number>();
  private readonly records = new Map<string, number>();

  /** Pointers are relative to the data section, so the metadata map is written without them. */
  constructor(private readonly usePointers: boolean) {}

  writeRecord(record: Record<string, unknown>): number {
    const plain = new DataSection(false);
    plain.write(record);
    const key = plain.bytes().toString('latin1');
    const known = this.records.get(key);
    if (known !== undefined) return known;
    const offset = this.length;
    this.write(record);
    this.records.set(key, offset);
    return offset;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  write(value: unknown): void {
    if (typeof value === 'string') return this.writeString(value);
    if (typeof value === 'boolean') return this.header(TYPE.boolean, value ? 1 : 0);
    if (typeof value === 'number') return this.writeNumber(value);
    if (typeof value === 'bigint') return this.writeScalar(value < 2n ** 64n ? 'uint64' : 'uint128', value);
    if (value instanceof Uint8Array) {
      this.header(TYPE.bytes, value.length);
      return this.append(value);
    }
    if (Array.isArray(value)) {
      this.header(TYPE.array, value.length);
      for (const item of value) this.write(item);
      return;
    }
    if (isTyped(value)) return this.writeScalar(value.mmdbType, value.value);
    if (typeof value === 'object' && value !== null) {
      const fields = Object.entries(value);
      this.header(TYPE.map, fields.length);
      for (const [key, field] of fields) {
        this.writeString(key);
        this.write(field);
      }
      return;
    }
    throw new TypeError(`MMDB cannot store ${String(value)}`);
  }

  private writeString(value: string): void {
    const known = this.usePointers ? this.strings.get(value) : undefined;
    if (known !== undefined) return this.writePointer(known);
    if (this.usePointers) this.strings.set(value, this.length);
    const bytes = Buffer.from(value, 'utf8');
    this.header(TYPE.utf8, bytes.length);
    this.append(bytes);
  }

  private writeNumber(value: number): void {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff)
      return this.writeScalar('uint32', value);
    if (Number.isInteger(value) && value < 0 && value >= -(2 ** 31)) return this.writeScalar('int32', value);
    this.writeScalar('double', value);
  }

  private writeScalar(type: ScalarType, value: number | bigint): void {
    if (type === 'double' || type === 'float' || (type === 'int32' && Number(value) < 0)) {
      const bytes = Buffer.alloc(type === 'double' ? 8 : 4);
      if (type === 'double') bytes.writeDoubleBE(Number(value));
      else if (type === 'float') bytes.writeFloatBE(Number(value));
      else bytes.writeInt32BE(Number(value));
      this.header(TYPE[type], bytes.length);
      return this.append(bytes);
    }
    // Unsigned integers (and int32 >= 0) use as few bytes as the value needs; zero is stored in none.
    const bytes: number[] = [];
    for (let rest = BigInt(value); rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
    this.header(TYPE[type], bytes.length);
    this.append(Buffer.from(bytes));
  }

  private writePointer(target: number): void {
    if (target < 2048) return this.append(Buffer.from([0x20 | (target >> 8), target & 0xff]));
    if (target < 526336) {
      const value = target - 2048;
      return this.append(Buffer.from([0x28 | (value >> 16), (value >> 8) & 0xff, value & 0xff]));
    }
    if (target < 526336 + 2 ** 27) {
      const value = target - 526336;
      return this.append(
        Buffer.from([0x30 | (value >> 24), (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]),
      );
    }
    const bytes = Buffer.alloc(5);
    bytes[0] = 0x38;
    bytes.writeUInt32BE(target, 1);
    this.append(bytes);
  }

  /** Control byte: type in the top 3 bits (0 = extended, the type in the next byte), then the size. */
  private header(type: number, size: number): void {
    const control = [type <= 7 ? type << 5 : 0];
    const extended = type > 7 ? [type - 7] : [];
    let extra: number[];
    if (size < 29) {
      control[0]! |= size;
      extra = [];
    } else if (size < 285) {
      control[0]! |= 29;
      extra = [size - 29];
    } else if (size < 65821) {
      control[0]! |= 30;
      extra = [(size - 285) >> 8, (size - 285) & 0xff];
    } else {
      control[0]! |= 31;
      extra = [((size - 65821) >> 16) & 0xff, ((size - 65821) >> 8) & 0xff, (size - 65821) & 0xff];
    }
    this.append(Buffer.from([...control, ...extended, ...extra]));
  }

  private append(bytes: Uint8Array): void {
    while (this.length + bytes.length > this.buffer.length) {
      const grown = Buffer.alloc(this.buffer.length * 2);
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }
}

function isTyped(value: unknown): value is MmdbTyped {
  return typeof value === 'object' && value !== null && 'mmdbType' in value && 'value' in value;
}
