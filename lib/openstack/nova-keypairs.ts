/**
 * Nova key pairs (`os-keypairs`), always as the caller: Nova keeps key pairs per user, so each
 * user of a project sees their own. Names with '.' or '@' need microversion 2.92, which also
 * requires the public key (we always send one).
 */
import type { ServiceClient } from './http.js';
import { OpenStackError } from './http.js';

export interface NovaKeypair {
  name: string;
  public_key: string;
  /** Nova's own fingerprint (MD5 of the SSH blob), not what EC2 shows. */
  fingerprint: string;
  type?: 'ssh' | 'x509';
  /** Only in the answer for one key pair. */
  created_at?: string;
  user_id?: string;
}

/** The key pair calls the EC2 layer makes (an interface so its logic can be tested on a fake). */
export interface NovaKeypairs {
  list(): Promise<NovaKeypair[]>;
  get(name: string): Promise<NovaKeypair | undefined>;
  create(name: string, publicKey: string): Promise<NovaKeypair>;
  delete(name: string): Promise<boolean>;
}

export function novaKeypairs(nova: ServiceClient): NovaKeypairs {
  return {
    list: () => listKeypairs(nova),
    get: (name) => getKeypair(nova, name),
    create: (name, publicKey) => createKeypair(nova, name, publicKey),
    delete: (name) => deleteKeypair(nova, name),
  };
}

const PAGE = 1000;
const NAMES_NEED_292 = /[.@]/;
const v292 = { 'x-openstack-nova-api-version': '2.92', 'openstack-api-version': 'compute 2.92' };

/** Every key pair of the caller (paged with limit/marker, microversion ≥ 2.35). */
export async function listKeypairs(nova: ServiceClient): Promise<NovaKeypair[]> {
  const out: NovaKeypair[] = [];
  let marker: string | undefined;
  for (;;) {
    const body = await nova.get<{ keypairs: Array<{ keypair: NovaKeypair }>; keypairs_links?: Array<{ rel: string }> }>(
      'os-keypairs',
      { limit: PAGE, marker },
    );
    const page = body.keypairs.map((k) => k.keypair);
    out.push(...page);
    // Nova caps a page at its own max_limit and says when there is more with a "next" link.
    if (page.length === 0 || !body.keypairs_links?.some((l) => l.rel === 'next')) return out;
    marker = page[page.length - 1]!.name;
  }
}

/** One key pair with its creation time, or undefined when the caller has none of that name. */
export async function getKeypair(nova: ServiceClient, name: string): Promise<NovaKeypair | undefined> {
  try {
    return (await nova.get<{ keypair: NovaKeypair }>(`os-keypairs/${encodeURIComponent(name)}`)).keypair;
  } catch (error) {
    if (error instanceof OpenStackError && error.status === 404) return undefined;
    throw error;
  }
}

/** Stores a public key under a name; Nova answers 409 when the name is taken, 403 over quota. */
export async function createKeypair(nova: ServiceClient, name: string, publicKey: string): Promise<NovaKeypair> {
  const headers = NAMES_NEED_292.test(name) ? v292 : undefined;
  const body = await nova.post<{ keypair: NovaKeypair }>(
    'os-keypairs',
    { keypair: { name, type: 'ssh', public_key: publicKey } },
    headers,
  );
  return body.keypair;
}

/** Deletes a key pair; false when there was none of that name. */
export async function deleteKeypair(nova: ServiceClient, name: string): Promise<boolean> {
  try {
    await nova.delete(`os-keypairs/${encodeURIComponent(name)}`);
    return true;
  } catch (error) {
    if (error instanceof OpenStackError && error.status === 404) return false;
    throw error;
  }
}
