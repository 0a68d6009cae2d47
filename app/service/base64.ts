/** Base64 as the course's clients send it: the standard alphabet, `=` only as the last one or two characters. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `text` decoded, or undefined when it is not exactly some file's base64:
 * a character outside the alphabet, padding anywhere but at the end, or a
 * cut-off tail (Buffer.from would silently drop or invent bits there).
 * Padding may be left out, as some encoders do.
 */
export function decodeBase64Strictly(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const data = Buffer.from(text, 'base64');
  const unpadded = text.replace(/=+$/, '');
  return data.toString('base64').replace(/=+$/, '') === unpadded ? data : undefined;
}
