/** UpdateSecurityGroupRuleDescriptionsEgress: new descriptions for egress rules, by rule id or permission (see security-group-modify.ts). */
import { action } from '../../lib/family.js';
import { updateDescriptions } from './security-group-modify.js';

export default action('UpdateSecurityGroupRuleDescriptionsEgress', (input, ctx) => updateDescriptions(ctx, input, 'egress'));
