/** AuthorizeSecurityGroupIngress: new ingress rules, all or none (see security-group-rules.ts). */
import { action } from '../../lib/family.js';
import { authorize, checkRuleRequest } from './security-group-rules.js';

export default action('AuthorizeSecurityGroupIngress', (input, ctx) => authorize(ctx, input, 'ingress'), {
  check: async (input) => checkRuleRequest(input),
});
