/** The images family: AMIs, AKIs and ARIs on Glance. */
import { familyHandler } from '../../lib/family.js';
import CopyImage from './CopyImage.js';
import CreateImage from './CreateImage.js';
import DeregisterImage from './DeregisterImage.js';
import DescribeImageAttribute from './DescribeImageAttribute.js';
import DescribeImages from './DescribeImages.js';
import ModifyImageAttribute from './ModifyImageAttribute.js';
import RegisterImage from './RegisterImage.js';
import ResetImageAttribute from './ResetImageAttribute.js';

export const handle = familyHandler('images', [
  DescribeImages,
  DeregisterImage,
  DescribeImageAttribute,
  ModifyImageAttribute,
  ResetImageAttribute,
  CreateImage,
  RegisterImage,
  CopyImage,
]);
