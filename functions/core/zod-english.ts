import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * zod's English messages ("Too small: expected string to have >=1 characters"). cachegate's
 * schemas use `zod/mini`, which loads no locale of its own (the full `zod` API loads English
 * at import): without this, every message a schema gives without one of its own would read
 * "Invalid input". Imported, for its effect, by parse-input.ts, which the handler wrapper
 * imports, so every Lambda and every caller of parseInput has it; it is loaded directly, as
 * `z.locales.en` would bring every locale into a Lambda bundle.
 */
z.config(en());
