/** "4096 B", "1.0 MiB": sizes as a student reads them. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes % 1024 ? 1 : 0)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** Rows of `width` bytes: offset, hex pairs, printable ASCII (dots for the rest). */
export function hexRows(hex: string, width: number): Array<{ offset: string; hex: string; ascii: string }> {
  const bytes = hex.match(/../g)?.map((h) => parseInt(h, 16)) ?? [];
  const rows = [];
  for (let i = 0; i < bytes.length; i += width) {
    const chunk = bytes.slice(i, i + width);
    rows.push({
      offset: i.toString(16).padStart(4, '0'),
      hex: chunk.map((b) => b.toString(16).padStart(2, '0')).join(' '),
      ascii: chunk.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '·')).join(''),
    });
  }
  return rows;
}
