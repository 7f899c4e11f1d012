import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { repoRoot } from '../../../workflows/repo-root.js';

/** events/schemas/posture-report.v1.json compiled by a JSON Schema validator (draft 2020-12). */
export function postureReportValidator() {
  const schema = JSON.parse(
    readFileSync(join(repoRoot(), 'events', 'schemas', 'posture-report.v1.json'), 'utf8'),
  ) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  return ajv.compile(schema);
}
