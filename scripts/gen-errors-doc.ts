// Writes docs/errors.md from the error catalog.
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../packages/errors/src/docs.js';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
console.log('docs/errors.md written');
