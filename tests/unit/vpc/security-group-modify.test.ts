/**
 * Changing rules that Neutron cannot change (functions/vpc/security-group-modify.ts), over a fake
 * Neutron that keeps rules, refuses duplicates as Neutron does (409) and fails where told: new
 * rules are made before old ones go, ids follow, and any failure leaves the group as it was.
 */
import { describe, expect, it } from 'vitest';
import { bodyOf, replaceRules, type RuleChange } from '../../../functions/vpc/security-group-modify.js';
import type { SecurityGroupRecord } from '../../../lib/domain/vpc/security-groups.js';
import { OpenStackError, type ServiceClient } from '../../../lib/openstack/http.js';
import type { NeutronSecurityGroupRule, NewSecurityGroupRule } from '../../../lib/openstack/neutron.js';
import { recordMappingAs, uuidOf } from '../../../lib/store/ids.js';
import { fakeContext } from '../support/context.js';

const GROUP = 'group-1';
const target: SecurityGroupRecord = { groupId: 'sg-0123456789abcdef0', uuid: GROUP, vpcId: 'vpc-0123456789abcdef0', groupName: 'web', description: 'web', isDefault: false };

const form = (r: NewSecurityGroupRule) => JSON.stringify([r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max, r.remote_ip_prefix, r.remote_group_id]);

class FakeNeutron {
  rules = new Map<string, NeutronSecurityGroupRule>();
  log: string[] = [];
  failCreate?: OpenStackError;
  failDeleteOf?: string;
  private next = 0;

  add(rule: NewSecurityGroupRule): NeutronSecurityGroupRule {
    const made = { ...rule, id: `rule-${++this.next}`, description: rule.description ?? '' };
    this.rules.set(made.id, made);
    return made;
  }

  client(): ServiceClient {
    return {
      post: async (path: string, body: { security_group_rules: NewSecurityGroupRule[] }) => {
        if (path !== 'security-group-rules') throw new Error(`unexpected POST ${path}`);
        const asked = body.security_group_rules;
        this.log.push(`create ${asked.map((r) => r.port_range_min).join(',')}`);
        if (this.failCreate) throw this.failCreate;
        const existing = new Set([...this.rules.values()].map(form));
        if (asked.some((r) => existing.has(form(r)))) throw new OpenStackError('neutron', 409, 'Security group rule already exists.', 'SecurityGroupRuleExists', 'POST', path);
        return { security_group_rules: asked.map((r) => this.add(r)) };
      },
      delete: async (path: string) => {
        const id = path.split('/')[1]!;
        this.log.push(`delete ${this.rules.get(id)?.port_range_min}`);
        if (id === this.failDeleteOf) throw new OpenStackError('neutron', 500, 'boom', undefined, 'DELETE', path);
        this.rules.delete(id);
      },
    } as unknown as ServiceClient;
  }
}

const tcp = (port: number, description?: string): NewSecurityGroupRule => ({
  security_group_id: GROUP, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: port, port_range_max: port,
  remote_ip_prefix: '10.0.0.0/8', remote_group_id: null, ...(description ? { description } : {}),
});

async function setup(ports: number[]) {
  const neutron = new FakeNeutron();
  const ctx = fakeContext();
  Object.assign(ctx, { openstack: { neutron: neutron.client() } });
  const ids: string[] = [];
  for (const [i, port] of ports.entries()) {
    const rule = neutron.add(tcp(port, `rule ${port}`));
    const id = `sgr-0000000000000000${i}`;
    await recordMappingAs(ctx.store, 'security-group-rule', rule.id, id);
    ids.push(id);
  }
  const current = () => [...neutron.rules.values()];
  const change = (i: number, next: NewSecurityGroupRule): RuleChange => ({ ruleId: ids[i]!, old: current().find((r) => r.port_range_min === ports[i])!, next });
  const holderOf = async (i: number) => neutron.rules.get((await uuidOf(ctx.store, ids[i]!))!);
  const forms = () => current().map((r) => `${r.port_range_min}:${r.description}`).sort();
  return { neutron, ctx, ids, current, change, holderOf, forms };
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'accepted', (e: { code?: string }) => e.code ?? String(e));

describe('replacing rules', () => {
  it('makes the new rule before the old one goes, and the id follows with its form', async () => {
    const t = await setup([22, 80]);
    await replaceRules(t.ctx, target, [t.change(0, tcp(2222, 'ssh'))], t.current());
    expect(t.neutron.log).toEqual(['create 2222', 'delete 22']);
    expect(t.forms()).toEqual(['2222:ssh', '80:rule 80']);
    expect(await t.holderOf(0)).toMatchObject({ port_range_min: 2222, description: 'ssh' });
    expect(await t.holderOf(1)).toMatchObject({ port_range_min: 80 });
  });

  it('changes a description by deleting first (Neutron calls the new rule a duplicate otherwise)', async () => {
    const t = await setup([22]);
    await replaceRules(t.ctx, target, [t.change(0, tcp(22, 'new words'))], t.current());
    expect(t.neutron.log).toEqual(['delete 22', 'create 22']);
    expect(await t.holderOf(0)).toMatchObject({ port_range_min: 22, description: 'new words' });
  });

  it('changes nothing in Neutron when the rule already has that form and description', async () => {
    const t = await setup([22]);
    await replaceRules(t.ctx, target, [t.change(0, tcp(22, 'rule 22'))], t.current());
    expect(t.neutron.log).toEqual([]);
  });

  it('swaps the forms of two rules in one call', async () => {
    const t = await setup([22, 80]);
    await replaceRules(t.ctx, target, [t.change(0, tcp(80, 'now 80')), t.change(1, tcp(22, 'now 22'))], t.current());
    expect(t.forms()).toEqual(['22:now 22', '80:now 80']);
    expect(await t.holderOf(0)).toMatchObject({ port_range_min: 80 });
    expect(await t.holderOf(1)).toMatchObject({ port_range_min: 22 });
  });

  it("refuses a form another rule of the group has, before Neutron is asked", async () => {
    const t = await setup([22, 80]);
    expect(await codeOf(replaceRules(t.ctx, target, [t.change(0, tcp(80))], t.current()))).toBe('InvalidPermission.Duplicate');
    expect(await codeOf(replaceRules(t.ctx, target, [t.change(0, tcp(443)), t.change(1, tcp(443))], t.current()))).toBe('InvalidPermission.Duplicate');
    expect(t.neutron.log).toEqual([]);
  });

  it('leaves everything as it was when the create fails (quota)', async () => {
    const t = await setup([22, 80]);
    const before = t.forms();
    t.neutron.failCreate = new OpenStackError('neutron', 409, 'Quota exceeded for resources: security_group_rule.', 'OverQuota', 'POST', 'security-group-rules');
    expect(await codeOf(replaceRules(t.ctx, target, [t.change(0, tcp(2222)), t.change(1, tcp(8080))], t.current()))).toBe('RulesPerSecurityGroupLimitExceeded');
    expect(t.forms()).toEqual(before);
    expect(t.neutron.log.filter((l) => l.startsWith('delete'))).toEqual([]);
    expect(await t.holderOf(0)).toMatchObject({ port_range_min: 22 });
  });

  it('rolls back when an old rule cannot be deleted: new rules go, deleted ones come back, ids point at the old forms', async () => {
    const t = await setup([22, 80]);
    t.neutron.failDeleteOf = t.change(1, tcp(1)).old.id;
    const changes = [t.change(0, tcp(2222, 'ssh')), t.change(1, tcp(8080, 'web'))];
    expect(await codeOf(replaceRules(t.ctx, target, changes, t.current()))).not.toBe('accepted');
    expect(t.forms()).toEqual(['22:rule 22', '80:rule 80']);
    expect(await t.holderOf(0)).toMatchObject({ port_range_min: 22, description: 'rule 22' });
    expect(await t.holderOf(1)).toMatchObject({ port_range_min: 80, description: 'rule 80' });
    // The rule 22 came back under a new Neutron UUID: its old one resolves to nothing now.
    expect((await t.holderOf(0))!.id).not.toBe(changes[0]!.old.id);
  });

  it('rolls back a description change whose create fails after the delete', async () => {
    const t = await setup([22]);
    const change = t.change(0, tcp(22, 'new words'));
    // The create of the same form can only happen after the delete; make that one fail.
    const client = t.ctx.openstack.neutron;
    const post = client.post.bind(client);
    let posts = 0;
    Object.assign(client, {
      post: async (path: string, body: unknown) => {
        if (++posts === 1) throw new OpenStackError('neutron', 500, 'boom', undefined, 'POST', path);
        return post(path, body as never);
      },
    });
    expect(await codeOf(replaceRules(t.ctx, target, [change], t.current()))).not.toBe('accepted');
    expect(t.forms()).toEqual(['22:rule 22']);
    expect(await t.holderOf(0)).toMatchObject({ port_range_min: 22, description: 'rule 22' });
  });

  it('bodyOf makes the same rule again', () => {
    const rule = { ...tcp(22, 'x'), id: 'r', project_id: 'p' } as NeutronSecurityGroupRule;
    expect(bodyOf(rule)).toEqual(tcp(22, 'x'));
  });
});
