/** The images family. */
import { familyHandler } from '../../lib/family.js';

export const handle = familyHandler('images', []);
