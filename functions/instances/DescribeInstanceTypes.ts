/** DescribeInstanceTypes: the Nova flavors the project may use, as instance types. */
import { compileFilters } from '../../lib/describe/filters.js';
import { checkMaxResults, type PagingRules } from '../../lib/describe/paging.js';
import { select } from '../../lib/describe/select.js';
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { listFlavors } from '../../lib/openstack/nova-flavors.js';
import { Ec2Error } from '../../lib/protocol/errors.js';
import { operation } from '../../lib/protocol/model.js';
import { INSTANCE_TYPE_FILTERS, instanceTypeOf } from './instance-types.js';

const PAGING: PagingRules = { min: 5, max: 100 };

export default action('DescribeInstanceTypes', async (input, ctx) => {
  // Bad filters and paging are refused before any OpenStack call.
  compileFilters(input.Filters, INSTANCE_TYPE_FILTERS, operation('DescribeInstanceTypes').filters);
  checkMaxResults(input.MaxResults, PAGING, false);
  const flavors = await mapErrors(() => listFlavors(ctx.openstack.nova, ctx.caller.projectId));
  const types = flavors.map(instanceTypeOf);
  const wanted = [...new Set(input.InstanceTypes ?? [])];
  const unknown = wanted.filter((name) => !types.some((t) => t.InstanceType === name));
  if (unknown.length) {
    throw new Ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${unknown.join(', ')}]`);
  }
  const named = wanted.length ? types.filter((t) => wanted.includes(t.InstanceType!)) : types;
  const { items, nextToken } = select(
    'DescribeInstanceTypes',
    named,
    {
      filters: INSTANCE_TYPE_FILTERS,
      keyOf: (t) => t.InstanceType ?? '',
      paging: PAGING,
    },
    { filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken },
  );
  return { InstanceTypes: items, NextToken: nextToken };
});
