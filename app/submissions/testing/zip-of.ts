import yazl from 'yazl';

/** A zip built in memory for tests; `mode` sets an entry's Unix mode (e.g. a symlink's 0o120777). */
export function zipOf(files: Record<string, string | Buffer>, options: { mode?: Record<string, number> } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, { mode: options.mode?.[name] });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}
