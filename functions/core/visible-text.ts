/**
 * Characters that hide or rearrange text from whoever reads it: C0 and C1 controls (newlines
 * included: 40 blank lines push a grant out of sight), line and paragraph separators, bidirectional
 * overrides and isolates, zero-width and other invisible formatting characters. Refused anywhere
 * in a request, because an approver must see all of what they approve.
 */
export const HIDDEN_CHARACTERS =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class -- finding them is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\ufff9-\ufffb]/u;

export const HIDDEN_CHARACTERS_MESSAGE = 'must not contain control or invisible formatting characters';

/**
 * The path (`kind.userGroupIds.0`, or a key's own path) of the first string holding one, if any.
 * Strings at `multiline` paths may hold line breaks (a PEM block), nothing else hidden.
 */
export function findHiddenCharacters(
  value: unknown,
  multiline: readonly string[] = [],
  path: (string | number)[] = [],
): string | undefined {
  if (typeof value === 'string') {
    const text = multiline.includes(pathText(path)) ? value.replace(/\r?\n/g, '') : value;
    return HIDDEN_CHARACTERS.test(text) ? pathText(path) : undefined;
  }
  // Arrays too: their entries are their indexes in order, so a path reads `userGroupIds.1`.
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (HIDDEN_CHARACTERS.test(key))
        return pathText([...path, key.replace(new RegExp(HIDDEN_CHARACTERS, 'gu'), '?')]);
      const found = findHiddenCharacters(item, multiline, [...path, key]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function pathText(path: (string | number)[]): string {
  return path.length === 0 ? 'body' : path.join('.');
}
