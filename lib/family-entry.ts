/** Platform entry points shared by every family function (Lambda invoke payload, OpenWhisk action). */
import type { FamilyHandler, FamilyRequest, FamilyResponse } from './family.js';
import { adoptParameters } from './http/openwhisk.js';
import { installUnhandledRejectionNet } from './request-guard.js';

export function familyEntryPoints(handle: FamilyHandler) {
  installUnhandledRejectionNet();
  return {
    handler: (event: FamilyRequest): Promise<FamilyResponse> => handle(event),
    main: (params: FamilyRequest & Record<string, unknown>): Promise<FamilyResponse> => {
      adoptParameters(params);
      return handle({ action: params.action, params: params.params, context: params.context });
    },
  };
}
