import { createRequire } from 'node:module';
import { ValidationError } from '../../functions/core/errors.js';
import { readAsl } from '../../workflows/asl-files.js';
import { PLACEHOLDER, placeholdersOf } from '../../workflows/placeholders.js';
import { assertSupportedFeatures } from './supported-features.js';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

/**
 * Loads `statemachines/<name>.asl.json`, fills its `${Placeholders}` (every one must be given),
 * validates it with asl-validator and rejects any feature the local runner cannot honour.
 */
export function loadDefinition(
  name: string,
  substitutions: Record<string, string>,
  /** Applied to the file's text first, as the CDK construct applies it (e.g. withApprovalTimeout). */
  transform: (aslText: string) => string = (text) => text,
): Record<string, unknown> {
  const file = `statemachines/${name}.asl.json`;
  const text = transform(readAsl(name));
  const missing = placeholdersOf(text).filter((key) => substitutions[key] === undefined);
  if (missing.length > 0)
    throw new ValidationError(`${file}: no value for placeholder(s) ${missing.join(', ')}`);
  const filled = text.replace(PLACEHOLDER, (_, key: string) => substitutions[key] as string);
  let definition: Record<string, unknown>;
  try {
    definition = JSON.parse(filled) as Record<string, unknown>;
  } catch (error) {
    throw new ValidationError(`${file}: not valid JSON after substitution: ${(error as Error).message}`);
  }
  assertSupportedFeatures(definition, file);
  // asl-validator fills schema defaults into what it is given (e.g. QueryLanguage): give it a copy.
  const { isValid, errorsText } = aslValidator(structuredClone(definition));
  if (!isValid) throw new ValidationError(`${file}: invalid Amazon States Language: ${errorsText('; ')}`);
  return definition;
}
