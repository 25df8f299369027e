/**
 * Reads the one image file out of a bundle's tar stream and writes its content to a target stream
 * with backpressure. tar-stream parses the archive (ustar, GNU long names, pax headers, base-256
 * sizes); this file only says what a bundle may hold: exactly one regular file whose name is a
 * relative path without `..`. Anything else is refused.
 */
import { Writable, type Writable as WritableStream } from 'node:stream';
import { extract } from 'tar-stream';

export class TarFormatError extends Error {}

/** A failure of the target (the upload), as opposed to one of the archive. */
class TargetError extends Error {}

export function safeMemberName(name: string): boolean {
  const clean = name.replace(/^\.\//, '');
  return clean.length > 0 && !clean.startsWith('/') && !clean.split('/').includes('..') && !clean.includes('\0');
}

/** Writable that extracts the single file of a tar stream into `target` (not ended here). */
export class SingleFileTarReader extends Writable {
  fileName: string | undefined;
  fileSize = 0;
  private readonly archive = extract();
  private readonly consumed: Promise<void>;

  constructor(private readonly target: WritableStream) {
    super();
    this.consumed = this.consume().catch((error: unknown) => {
      const failure = error instanceof TarFormatError ? error : error instanceof TargetError ? new Error(error.message) : new TarFormatError(`the bundle archive is not a valid tar archive (${(error as Error).message})`);
      this.archive.destroy();
      this.destroy(failure);
      throw failure;
    });
    // Reported through this stream's own error (and _final); not an unhandled rejection.
    this.consumed.catch(() => undefined);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.archive.write(chunk)) done();
    else this.archive.once('drain', () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    this.archive.end();
    this.consumed.then(() => done(), (error: Error) => done(error));
  }

  private async consume(): Promise<void> {
    for await (const entry of this.archive) {
      const { type, name, size } = entry.header;
      if (type === 'directory' || type === 'pax-global-header') {
        entry.resume();
        continue;
      }
      if (type !== 'file') throw new TarFormatError(`the bundle archive holds an entry of type ${type}, not a plain file`);
      if (this.fileName !== undefined) throw new TarFormatError('the bundle archive holds more than one file');
      if (!safeMemberName(name)) throw new TarFormatError(`the bundle archive names its file ${JSON.stringify(name)}`);
      this.fileName = name.replace(/^\.\//, '');
      this.fileSize = size ?? 0;
      for await (const piece of entry) await this.forward(piece as Buffer);
    }
    if (this.fileName === undefined) throw new TarFormatError('the bundle holds no image file');
  }

  private async forward(data: Buffer): Promise<void> {
    if (this.target.destroyed) throw new TargetError('the image upload stopped');
    if (!this.target.write(data)) {
      await new Promise<void>((resolve) => {
        this.target.once('drain', resolve);
        this.target.once('close', resolve);
      });
      if (this.target.destroyed) throw new TargetError('the image upload stopped');
    }
  }
}
