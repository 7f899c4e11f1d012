/**
 * The `${Placeholder}` convention shared by the local runner and the CDK app: `${XxxFunctionArn}`
 * names the Lambda in functions/xxx/handler.ts, `${XxxStateMachineArn}` another workflow.
 */
export const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
const FUNCTION_PLACEHOLDER = /^(.+)FunctionArn$/;

/** Placeholder names used in an ASL text, e.g. `CreateUserFunctionArn`. */
export function placeholdersOf(aslText: string): string[] {
  return [...new Set([...aslText.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/** `CreateUserFunctionArn` → `create-user`: the folder under functions/ and the Lambda's short name. */
export function functionNameOf(placeholder: string): string | undefined {
  const match = FUNCTION_PLACEHOLDER.exec(placeholder);
  return match?.[1] === undefined ? undefined : kebabCase(match[1]);
}

/** `OnboardUser` → `onboard-user`. */
export function kebabCase(pascal: string): string {
  return pascal.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
