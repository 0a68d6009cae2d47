import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchResult } from './batch.js';
import { batchCsv } from './report-csv.js';
import { batchHtml } from './report-html.js';

export const REPORT_FILES = { json: 'results.json', csv: 'results.csv', html: 'report.html' } as const;

/** Writes results.json, results.csv and report.html into `dir`; each appears whole or not at all. */
export async function writeBatchReports(result: BatchResult, dir: string): Promise<Record<keyof typeof REPORT_FILES, string>> {
  await mkdir(dir, { recursive: true });
  const contents = { json: `${JSON.stringify(result, null, 2)}\n`, csv: batchCsv(result), html: batchHtml(result) };
  const paths = { json: '', csv: '', html: '' };
  for (const key of Object.keys(REPORT_FILES) as (keyof typeof REPORT_FILES)[]) {
    const path = join(dir, REPORT_FILES[key]);
    await writeFile(`${path}.tmp`, contents[key]);
    await rename(`${path}.tmp`, path);
    paths[key] = path;
  }
  return paths;
}
