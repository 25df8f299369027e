/**
 * The reads DescribeInstances starts together (ports, volumes, images, launch records) fail as one
 * request error, whichever fails first and while the others are still running. Glance refusing
 * the image read while the ports were still being listed once left a rejection nobody handled,
 * which ended the process (the runner reports such a rejection as an error of this file).
 */
import { describe, expect, it } from 'vitest';
import { fetchRelated, type InstanceDeps } from '../../../lib/domain/instances/instance-related.js';
import { OpenStackError, type ServiceClient } from '../../../lib/openstack/http.js';
import type { NovaServer } from '../../../lib/openstack/nova.js';
import { MemoryStore } from '../support/memory-store.js';

const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const refused = (service: string, status: number) => Promise.reject(new OpenStackError(service, status, `${service} refused`, undefined, 'GET', service));

/** A service whose GETs answer `answer(path)`. */
const service = (answer: (path: string) => Promise<unknown>) => ({ get: answer }) as unknown as ServiceClient;

function deps(overrides: Partial<InstanceDeps>): InstanceDeps {
  const empty = service(async (path) => (path.startsWith('ports') ? { ports: [] } : path.startsWith('floatingips') ? { floatingips: [] } : { security_groups: [] }));
  return { nova: empty, neutron: empty, cinder: empty, glance: empty, store: new MemoryStore(), projectId: 'project-1', region: 'RegionOne', ...overrides };
}

const server = (id: string, imageId: string, volumeId?: string) =>
  ({ id, image: { id: imageId }, ...(volumeId ? { 'os-extended-volumes:volumes_attached': [{ id: volumeId }] } : {}) }) as unknown as NovaServer;

describe('fetchRelated when one of its parallel reads fails', () => {
  it('Glance refusing the image while the ports are still listed: the request fails with that error', async () => {
    const slowPorts = service((path) => later(path.startsWith('ports') ? { ports: [] } : { floatingips: [] }, 50));
    const related = fetchRelated(deps({ glance: service(() => refused('glance', 401)), neutron: slowPorts }), [server('s-1', 'image-glance-401')]);
    await expect(related).rejects.toMatchObject({ service: 'glance', status: 401 });
  });

  it('Cinder failing while the ports are still listed: the request fails with that error', async () => {
    const slowPorts = service((path) => later(path.startsWith('ports') ? { ports: [] } : { floatingips: [] }, 50));
    const related = fetchRelated(deps({ cinder: service(() => refused('cinder', 500)), neutron: slowPorts }), [server('s-2', 'image-cinder', 'volume-1')]);
    await expect(related).rejects.toMatchObject({ service: 'cinder', status: 500 });
  });

  it('Neutron failing while Glance is still answering: the request fails with that error', async () => {
    const slowImage = service(() => later({ id: 'image-slow' }, 50));
    const related = fetchRelated(deps({ glance: slowImage, neutron: service(() => refused('neutron', 500)) }), [server('s-3', 'image-slow')]);
    await expect(related).rejects.toMatchObject({ service: 'neutron', status: 500 });
  });
});
