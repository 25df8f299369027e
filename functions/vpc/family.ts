/** The vpc family. */
import { familyHandler } from '../../lib/family.js';

export const handle = familyHandler('vpc', []);
