/**
 * Reads the one image file out of a bundle's tar stream (ustar, GNU long names, pax headers) and
 * writes its content to a target stream with backpressure. A bundle holds exactly one regular
 * file whose name is a relative path without `..`; anything else is refused.
 */
import { Writable, type Writable as WritableStream } from 'node:stream';

const BLOCK = 512;

export class TarFormatError extends Error {}

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number): number {
  const raw = header.subarray(offset, offset + length);
  if (raw[0]! & 0x80) {
    // GNU base-256 for sizes of 8 GiB and more.
    let n = 0;
    for (let i = 1; i < raw.length; i++) n = n * 256 + raw[i]!;
    return n;
  }
  const s = field(header, offset, length).trim();
  return s ? parseInt(s, 8) : 0;
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum === octal(header, 148, 8);
}

export function safeMemberName(name: string): boolean {
  const clean = name.replace(/^\.\//, '');
  return clean.length > 0 && !clean.startsWith('/') && !clean.split('/').includes('..') && !clean.includes('\0');
}

/** Writable that extracts the single file of a tar stream into `target` (not ended here). */
export class SingleFileTarReader extends Writable {
  private buffer: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private padding = 0;
  private longName: string | undefined;
  private state: 'header' | 'data' | 'skip' | 'end' = 'header';
  private zeroBlocks = 0;
  fileName: string | undefined;
  fileSize = 0;

  constructor(private readonly target: WritableStream) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    this.drainBuffer()
      .then(() => done())
      .catch((error: Error) => done(error));
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.fileName === undefined) done(new TarFormatError('the bundle holds no image file'));
    else if (this.state === 'data' || this.state === 'skip') done(new TarFormatError('the bundle archive ends inside a file'));
    else done();
  }

  private async forward(data: Buffer): Promise<void> {
    if (this.target.destroyed) throw new Error('the image upload stopped');
    if (!this.target.write(data)) {
      await new Promise<void>((resolve) => {
        this.target.once('drain', resolve);
        this.target.once('close', resolve);
      });
      if (this.target.destroyed) throw new Error('the image upload stopped');
    }
  }

  private async drainBuffer(): Promise<void> {
    for (;;) {
      if (this.state === 'end') {
        this.buffer = Buffer.alloc(0);
        return;
      }
      if (this.state === 'data' || this.state === 'skip') {
        if (this.remaining > 0) {
          if (this.buffer.length === 0) return;
          const take = Math.min(this.remaining, this.buffer.length);
          const piece = this.buffer.subarray(0, take);
          this.buffer = this.buffer.subarray(take);
          this.remaining -= take;
          if (this.state === 'data') await this.forward(piece);
          else this.collect(piece);
          continue;
        }
        if (this.buffer.length < this.padding) return;
        this.buffer = this.buffer.subarray(this.padding);
        if (this.state === 'skip') this.finishMeta();
        this.state = 'header';
        continue;
      }
      if (this.buffer.length < BLOCK) return;
      const header = this.buffer.subarray(0, BLOCK);
      this.buffer = this.buffer.subarray(BLOCK);
      if (header.every((b) => b === 0)) {
        if (++this.zeroBlocks >= 2) this.state = 'end';
        continue;
      }
      this.zeroBlocks = 0;
      if (!checksumOk(header)) throw new TarFormatError('the bundle archive has a corrupt header');
      this.startMember(header);
    }
  }

  private meta: { kind: 'L' | 'x'; chunks: Buffer[] } | undefined;

  private collect(piece: Buffer) {
    this.meta?.chunks.push(Buffer.from(piece));
  }

  private finishMeta() {
    if (!this.meta) return;
    const content = Buffer.concat(this.meta.chunks).toString('utf8');
    if (this.meta.kind === 'L') this.longName = content.replace(/\0+$/, '');
    else {
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(content);
      if (path) this.longName = path[1];
    }
    this.meta = undefined;
  }

  private startMember(header: Buffer) {
    const type = String.fromCharCode(header[156] || 48);
    const size = octal(header, 124, 12);
    const prefix = field(header, 345, 155);
    const name = this.longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'L' || type === 'x') {
      if (size > 1 << 20) throw new TarFormatError('the bundle archive has an oversized header');
      this.meta = { kind: type, chunks: [] };
      this.state = 'skip';
      return;
    }
    this.longName = undefined;
    if (type === 'g' || type === '5') {
      this.meta = undefined;
      this.state = 'skip';
      return;
    }
    if (type !== '0') throw new TarFormatError(`the bundle archive holds an entry of type ${type}, not a plain file`);
    if (this.fileName !== undefined) throw new TarFormatError('the bundle archive holds more than one file');
    if (!safeMemberName(name)) throw new TarFormatError(`the bundle archive names its file ${JSON.stringify(name)}`);
    this.fileName = name.replace(/^\.\//, '');
    this.fileSize = size;
    this.state = 'data';
  }
}
