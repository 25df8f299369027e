/** RevokeSecurityGroupIngress: deletes matching ingress rules, by permission or by rule id (see security-group-rules.ts). */
import { action } from '../../lib/family.js';
import { revoke } from './security-group-rules.js';

export default action('RevokeSecurityGroupIngress', (input, ctx) => revoke(ctx, input, 'ingress'));
