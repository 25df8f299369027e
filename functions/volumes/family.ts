/** The volumes family. */
import { familyHandler } from '../../lib/family.js';

export const handle = familyHandler('volumes', []);
