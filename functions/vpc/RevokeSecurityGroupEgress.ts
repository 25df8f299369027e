/** RevokeSecurityGroupEgress: deletes matching egress rules, by permission or by rule id (see security-group-rules.ts). */
import { action } from '../../lib/family.js';
import { revoke } from './security-group-rules.js';

export default action('RevokeSecurityGroupEgress', (input, ctx) => revoke(ctx, input, 'egress'));
