// Checkouts on disk, one per (repository, commit), shared by every app and render at that commit: written once
// (concurrent requests wait for the one write), leased while a render reads them, and evicted least recently
// used when their total size is over the limit (SLUICE_CHECKOUT_CACHE_SIZE, e.g. "512Mi", "2Gi"; 1Gi by default).
// They are read-only to their readers: a renderer that must edit files works on its own copy.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface CheckoutLease {
  dir: string;
  /** Lets the checkout be evicted again; call it once the render has read what it needs. */
  release(): void;
}

interface Entry {
  dir: string;
  bytes: number;
  lastUsed: number;
  leases: number;
  settled: boolean;
  ready: Promise<void>;
}

const UNITS: Record<string, number> = { '': 1, k: 1e3, ki: 1024, m: 1e6, mi: 1024 ** 2, g: 1e9, gi: 1024 ** 3 };

/** Bytes from "1073741824", "512Mi", "2G"...; undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]i?)?b?$/i.exec(text.trim());
  return match ? Number(match[1]) * UNITS[(match[2] ?? '').toLowerCase()] : undefined;
}

const DEFAULT_MAX_BYTES = 1024 ** 3;
const OURS = /^[0-9a-f]{32}-[0-9a-f]{40}\.[0-9a-f]+(\.tmp)?$/;

export class CheckoutCache {
  private readonly entries = new Map<string, Entry>();
  /** A use counter, not the clock: two uses in one millisecond still have an order. */
  private uses = 0;
  private cleared?: Promise<void>;

  constructor(readonly root: string, readonly maxBytes = parseSize(process.env.SLUICE_CHECKOUT_CACHE_SIZE ?? '') ?? DEFAULT_MAX_BYTES) {}

  /**
   * The checkout named `key`, written by `write(dest)` (which returns its size in bytes) when there is none.
   * `key` is "<repo key>-<commit>".
   */
  async acquire(key: string, write: (dest: string) => Promise<number>): Promise<CheckoutLease> {
    // Checkouts left by an earlier process are not in this one's index: they go, so the size limit holds.
    await (this.cleared ??= this.clearStale());
    let entry = this.entries.get(key);
    if (!entry) {
      // A fresh directory name per write, so a new write never meets an evicted one still being removed.
      const created: Entry = { dir: path.join(this.root, `${key}.${randomBytes(4).toString('hex')}`), bytes: 0, lastUsed: ++this.uses, leases: 0, settled: false, ready: Promise.resolve() };
      created.ready = this.materialise(created, write).finally(() => {
        created.settled = true;
      });
      created.ready.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
      this.entries.set(key, created);
      entry = created;
    }
    const leased = entry;
    leased.leases++;
    try {
      await leased.ready;
    } catch (error) {
      leased.leases--;
      throw error;
    }
    leased.lastUsed = ++this.uses;
    this.evict();
    let released = false;
    return {
      dir: leased.dir,
      release: () => {
        if (released) return;
        released = true;
        leased.leases--;
        leased.lastUsed = ++this.uses;
        this.evict();
      },
    };
  }

  /** The total size of the checkouts on disk (for tests and logs). */
  get bytes(): number {
    return [...this.entries.values()].reduce((total, e) => total + e.bytes, 0);
  }

  private async materialise(entry: Entry, write: (dest: string) => Promise<number>): Promise<void> {
    const tmp = `${entry.dir}.tmp`;
    try {
      entry.bytes = await write(tmp);
      // Renamed into place only when complete: a reader never sees half a tree.
      await fs.promises.rename(tmp, entry.dir);
    } catch (error) {
      await fs.promises.rm(tmp, { recursive: true, force: true });
      throw error;
    }
  }

  private evict(): void {
    let total = this.bytes;
    const idle = [...this.entries.entries()].filter(([, e]) => e.settled && e.leases === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key, entry] of idle) {
      if (total <= this.maxBytes) break;
      this.entries.delete(key);
      total -= entry.bytes;
      void fs.promises.rm(entry.dir, { recursive: true, force: true });
    }
  }

  private async clearStale(): Promise<void> {
    await fs.promises.mkdir(this.root, { recursive: true });
    for (const name of await fs.promises.readdir(this.root)) {
      if (OURS.test(name)) await fs.promises.rm(path.join(this.root, name), { recursive: true, force: true });
    }
  }
}
