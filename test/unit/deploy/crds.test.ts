import fs from 'node:fs';
import path from 'node:path';
import { crdDocuments } from '../../../scripts/generate-crds';

test('deploy/crds is what scripts/generate-crds.ts generates (run `npm run generate:crds`)', () => {
  for (const [file, text] of Object.entries(crdDocuments())) {
    expect(fs.readFileSync(path.join(__dirname, '../../../deploy/crds', file), 'utf8')).toBe(text);
  }
});
