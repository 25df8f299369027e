/** AuthorizeSecurityGroupEgress: new egress rules, all or none (see security-group-rules.ts). */
import { action } from '../../lib/family.js';
import { authorize, checkRuleRequest } from './security-group-rules.js';

export default action('AuthorizeSecurityGroupEgress', (input, ctx) => authorize(ctx, input, 'egress'), {
  check: async (input) => checkRuleRequest(input),
});
