/** DescribeSecurityGroupRules through the describe engine: each Neutron rule is one `sgr-` rule. */
import { describe } from '../../lib/describe/engine.js';
import { action } from '../../lib/family.js';
import { ruleDescriptor } from './security-group-resources.js';

export default action('DescribeSecurityGroupRules', async (input, ctx) => {
  const { items, nextToken } = await describe(ctx, 'DescribeSecurityGroupRules', ruleDescriptor, {
    ids: input.SecurityGroupRuleIds,
    filters: input.Filters,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  return { SecurityGroupRules: items, NextToken: nextToken };
});
