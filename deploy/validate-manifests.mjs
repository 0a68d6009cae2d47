// Validates deploy/k8s/*.yaml against the Kubernetes API's JSON schemas
// (kubernetes-models) and KEDA's (@kubernetes-models/keda), the way a
// cluster's API server would check their fields and types: every document
// must be a known kind of its apiVersion, valid as that kind.
//   node deploy/validate-manifests.mjs  (validate-manifests.sh installs the validators)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'k8s');
/** apiVersion -> the module of its models ("apps/v1" -> kubernetes-models/apps/v1). */
async function modelsOf(apiVersion) {
  if (apiVersion.startsWith('keda.sh/')) return import(`@kubernetes-models/keda/${apiVersion}`);
  return import(`kubernetes-models/${apiVersion}`);
}

let documents = 0;
const problems = [];
for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort()) {
  for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
    if (doc.errors.length) {
      problems.push(`${file}: YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    const object = doc.toJS();
    const where = `${file}: ${object?.kind ?? '?'} ${object?.metadata?.name ?? '?'}`;
    try {
      const models = await modelsOf(object.apiVersion);
      const Model = models[object.kind];
      if (!Model) throw new Error(`${object.apiVersion} has no kind ${object.kind}`);
      new Model(object).validate();
      documents += 1;
      console.log(`ok   ${where}`);
    } catch (err) {
      problems.push(`${where}: ${err.message}`);
    }
  }
}
for (const problem of problems) console.error(`FAIL ${problem}`);
console.log(`${documents} valid, ${problems.length} invalid`);
process.exit(problems.length || !documents ? 1 : 0);
