/** Platform entry points shared by every family function (Lambda invoke payload, OpenWhisk action). */
import type { FamilyHandler, FamilyRequest, FamilyResponse } from './family.js';

export function familyEntryPoints(handle: FamilyHandler) {
  return {
    handler: (event: FamilyRequest): Promise<FamilyResponse> => handle(event),
    main: (params: FamilyRequest): Promise<FamilyResponse> => handle(params),
  };
}
