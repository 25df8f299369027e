/** DescribeSecurityGroups through the describe engine; GroupNames name groups of the default VPC, as on AWS. */
import { describe } from '../../lib/describe/engine.js';
import { vpcDeps } from '../../lib/domain/vpc/deps.js';
import { requireGroupNamed } from '../../lib/domain/vpc/security-groups.js';
import { action } from '../../lib/family.js';
import { securityGroupDescriptor } from './security-group-resources.js';

export default action('DescribeSecurityGroups', async (input, ctx) => {
  const named = await Promise.all((input.GroupNames ?? []).map((name) => requireGroupNamed(vpcDeps(ctx), name)));
  const ids = [...(input.GroupIds ?? []), ...named.map((g) => g.groupId)];
  const { items, nextToken } = await describe(ctx, 'DescribeSecurityGroups', securityGroupDescriptor, {
    ids: ids.length ? ids : undefined,
    filters: input.Filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { SecurityGroups: items, NextToken: nextToken };
});
