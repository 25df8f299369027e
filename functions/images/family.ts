/** The images family: AMIs, AKIs and ARIs on Glance. */
import { familyHandler } from '../../lib/family.js';
import DescribeImages from './DescribeImages.js';

export const handle = familyHandler('images', [DescribeImages]);
