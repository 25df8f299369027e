import { familyEntryPoints } from '../../lib/family-entry.js';
import { handle } from './family.js';

export const { handler, main } = familyEntryPoints(handle);
