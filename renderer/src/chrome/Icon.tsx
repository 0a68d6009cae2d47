/**
 * VS Code's codicons, from the font Monaco already bundles (its CSS, loaded
 * with the editor, declares the face): an emoji like 🐞 was an empty box on
 * a Debian desktop without an emoji font. Code points from monaco-editor's
 * codiconsLibrary.js.
 */
const CODICONS = {
  tools: 0xeb6d,
  play: 0xeb2c,
  debug: 0xeb91,
  stop: 0xead7,
  check: 0xeab2,
  close: 0xea76,
  refresh: 0xeb37,
  keyboard: 0xea65,
  folder: 0xeaf7,
} as const;

export type IconName = keyof typeof CODICONS;

export function Icon({ name }: { name: IconName }) {
  return (
    <span className="codicon-glyph" aria-hidden="true">
      {String.fromCodePoint(CODICONS[name])}
    </span>
  );
}
