/** DescribeIdFormat: long ids for every resource type, always. */
import { action } from '../../lib/family.js';
import { ID_FORMAT_RESOURCES, requireIdFormatResource } from './id-formats.js';

export default action('DescribeIdFormat', async (input) => {
  if (input.Resource !== undefined) requireIdFormatResource(input.Resource);
  const resources = input.Resource !== undefined ? [input.Resource] : [...ID_FORMAT_RESOURCES];
  return { Statuses: resources.map((Resource) => ({ Resource, UseLongIds: true })) };
});
