/**
 * Platform entry points of a family function: `handler` is the family's middy handler (Lambda
 * invoke payload); OpenWhisk's `main` calls the same handler with the action's params (whose
 * default parameters carry the configuration: see openWhiskParameters).
 */
import type { FamilyHandler, FamilyRequest, FamilyResponse } from './family.js';
import { installUnhandledRejectionNet } from './request-guard.js';

export function familyEntryPoints(handle: FamilyHandler) {
  installUnhandledRejectionNet();
  return {
    handler: handle,
    main: (params: FamilyRequest & Record<string, unknown>): Promise<FamilyResponse> => handle(params),
  };
}
