/** UpdateSecurityGroupRuleDescriptionsIngress: new descriptions for ingress rules, by rule id or permission (see security-group-modify.ts). */
import { action } from '../../lib/family.js';
import { updateDescriptions } from './security-group-modify.js';

export default action('UpdateSecurityGroupRuleDescriptionsIngress', (input, ctx) => updateDescriptions(ctx, input, 'ingress'));
